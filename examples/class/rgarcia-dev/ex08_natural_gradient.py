"""Exercise 8: Natural gradient for a Gaussian model

The natural gradient preconditions each update by the inverse Fisher
information matrix (FIM) F(theta), making steps geometry-aware in probability
space:

    theta_{t+1} = theta_t - lr * F(theta_t)^{-1} grad L(theta_t).

Consider a Gaussian model N(mu, sigma^2) with parameters
theta = (mu, log sigma), so sigma = e^{theta_2}. For data x_1, ..., x_n the
negative log-likelihood (NLL) is

    L(theta) = (1/2) sum_i ((x_i - mu) / sigma)^2 + n log sigma + (n/2) log(2 pi).

(a) Show that for n samples the FIM in the parameters (mu, log sigma) has the
diagonal form

    F(theta) = diag(n / sigma^2, 2 n)

(per sample: diag(1 / sigma^2, 2)). Function: `fisher_info(theta, n)`.

(b) Generate n = 500 samples from N(3, 0.5^2). Starting from theta0 = (0, 0)
(i.e. mu = 0, sigma = 1), fit theta by minimising the NLL for 300 steps with

- standard gradient descent (theta <- theta - lr * grad L, e.g. lr = 1e-4),
- natural gradient descent (theta <- theta - lr * F^{-1} grad L, e.g. lr = 0.1;
  a natural-gradient lr as small as 0.01 does not converge within 300 steps).

Functions: `neg_log_likelihood(theta, data)`, `nll_grad(theta, data)` and
`run_optimizer(theta0, data, lr, n_steps, use_natural=False)`.

(c) Plot the parameter trajectories in (mu, log sigma) space on top of the
contours of the NLL. Observe that the natural gradient takes a more direct
path.

(d) Verify that at convergence both methods recover mu = 3 and sigma = 0.5
(approximately: the sample mean and standard deviation). Function:
`run_optimizer` again.

Conventions: theta is an array of shape (2,) holding (mu, log sigma); data is
a 1-D array of n samples; scalar answers are floats; do not modify arguments
in place (in particular theta0); use only NumPy and the Python standard
library.
"""

import numpy as np  # noqa: F401

TITLE = "Natural gradient for a Gaussian model"


def neg_log_likelihood(theta, data):
    """Gaussian negative log-likelihood of the data, theta = (mu, log sigma).

    Part (b).

        L(theta) = (1/2) sum_i ((x_i - mu) / sigma)^2 + n log sigma + (n/2) log(2 pi)

    Args:
        theta: array of shape (2,), (mu, log sigma).
        data: array of shape (n,), the samples x_i.

    Returns:
        float: L(theta).
    """
    mu, log_sigma = theta
    sigma = np.exp(log_sigma)
    n = len(data)
    return float(0.5 * np.sum(((data - mu) / sigma) ** 2) + n * log_sigma + 0.5 * n * np.log(2 * np.pi))


def nll_grad(theta, data):
    """Gradient of the Gaussian NLL with respect to theta = (mu, log sigma).

    Part (b). Note sigma = e^{theta_2}, so the second component is the
    derivative with respect to log sigma, not sigma.

    Args:
        theta: array of shape (2,), (mu, log sigma).
        data: array of shape (n,), the samples x_i.

    Returns:
        ndarray of shape (2,): (dL/dmu, dL/dlog sigma).
    """
    mu, log_sigma = theta
    sigma2 = np.exp(2 * log_sigma)
    n = len(data)
    d_mu = -np.sum(data - mu) / sigma2
    d_log_sigma = n - np.sum((data - mu) ** 2) / sigma2
    return np.array([d_mu, d_log_sigma])


def fisher_info(theta, n):
    """Fisher information matrix of n Gaussian samples, theta = (mu, log sigma).

    Part (a). F(theta) = diag(n / sigma^2, 2 n).

    Args:
        theta: array of shape (2,), (mu, log sigma).
        n: int, the number of samples.

    Returns:
        ndarray of shape (2, 2): F(theta).
    """
    sigma2 = np.exp(2 * theta[1])
    return np.array([[n / sigma2, 0.0], [0.0, 2.0 * n]])


def run_optimizer(theta0, data, lr, n_steps, use_natural=False):
    """Gradient descent or natural gradient descent on the Gaussian NLL.

    Parts (b) and (d). Starting at theta0, each step is

        theta <- theta - lr * g                   (use_natural=False)
        theta <- theta - lr * F(theta)^{-1} g     (use_natural=True)

    with g = grad L(theta) and F(theta) = fisher_info(theta, len(data)),
    both evaluated at the current theta. theta0 is not modified.

    Args:
        theta0: array of shape (2,), the start (mu, log sigma).
        data: array of shape (n,), the samples.
        lr: float, the learning rate.
        n_steps: int, the number of steps.
        use_natural: bool, use the natural gradient if True.

    Returns:
        ndarray of shape (n_steps + 1, 2): the path of theta; row 0 is
        theta0 and row k is theta after k steps.
    """
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    for _ in range(n_steps):
        g = nll_grad(theta, data)
        if use_natural:
            g = np.linalg.solve(fisher_info(theta, len(data)), g)
        theta = theta - lr * g
        path.append(theta.copy())
    return np.array(path)
