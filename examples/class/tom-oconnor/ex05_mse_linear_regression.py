"""Exercise 5: MSE gradient and linear regression

The mean squared error of a linear model with weights w in R^n on data
X in R^{m x n} (one sample per row) and targets y in R^m is

    L(w) = (1/m) ||X w - y||^2 = (1/m) sum_{i=1}^{m} (x_i^T w - y_i)^2.

(a) Derive the gradient grad_w L(w) and implement the loss and its gradient.
Functions: `mse_loss(X, y, w)` and `mse_grad(X, y, w)`.

(b) Implement gradient descent,

    w_{k+1} = w_k - lr * grad_w L(w_k),

and run it on a synthetic data set with m = 200 samples and n = 5 features:
X with standard normal entries, true weights w* = (1, -2, 0.5, 3, -1),
y = X w* + noise with noise standard deviation 0.1; start from w0 = 0 with
lr = 0.1 for 300 steps. Function: `gradient_descent_lr(X, y, w0, lr, n_steps)`.

(c) Verify that the gradient-descent solution converges to the ordinary
least-squares (OLS) solution, the solution of the normal equations

    X^T X w = X^T y,    i.e.  w_hat = (X^T X)^{-1} X^T y  for full-rank X.

Function: `ols_solution(X, y)`.

(d) Plot the training loss curve. How many steps does it take to reach within
1e-4 of the optimal loss L* = L(w_hat)? Function:
`steps_to_tolerance(losses, loss_star, tol=1e-4)`.

Conventions: inputs are NumPy float64 arrays (lists are accepted), X of shape
(m, n), y of shape (m,), w of shape (n,); scalar answers are floats; do not
modify arguments in place (in particular w0); use only NumPy and the Python
standard library.
"""

import numpy as np  # noqa: F401

TITLE = "MSE gradient and linear regression"


def mse_loss(X, y, w):
    """Mean squared error L(w) = (1/m) ||X w - y||^2.

    Part (a).

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w: array of shape (n,).

    Returns:
        float: L(w).
    """
    return float(np.mean((X @ w - y) ** 2))


def mse_grad(X, y, w):
    """Gradient of L(w) = (1/m) ||X w - y||^2 with respect to w.

    Part (a).

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w: array of shape (n,).

    Returns:
        ndarray of shape (n,): grad_w L(w).
    """
    return 2 * X.T @ (X @ w - y)


def gradient_descent_lr(X, y, w0, lr, n_steps):
    """Plain gradient descent on L(w) = (1/m) ||X w - y||^2 from w0.

    Part (b). Each step is w <- w - lr * grad_w L(w). w0 is not modified.

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w0: array of shape (n,), the starting weights.
        lr: float, the learning rate.
        n_steps: int, the number of gradient steps.

    Returns:
        tuple (w, losses):
            w: ndarray of shape (n,), the weights after n_steps steps.
            losses: float64 ndarray of n_steps + 1 entries: the loss before
                each step, then the final loss (losses[0] = L(w0),
                losses[-1] = L(w)).
    """
    w = np.array(w0, dtype=float)  # copy, w0 stays as it was
    losses = [mse_loss(X, y, w)]
    for _ in range(n_steps):
        w = w - lr * mse_grad(X, y, w)
        losses.append(mse_loss(X, y, w))
    return w, np.array(losses)


def ols_solution(X, y):
    """Ordinary least-squares weights: the solution of X^T X w = X^T y.

    Part (c).

    Args:
        X: array of shape (m, n), assumed of full column rank.
        y: array of shape (m,).

    Returns:
        ndarray of shape (n,): the minimiser w_hat of ||X w - y||^2.
    """
    return np.linalg.inv(X.T @ X) @ X.T @ y


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    """Number of steps needed to come within tol of the optimal loss.

    Part (d).

    Args:
        losses: 1-D array (or list) of losses, losses[k] being the loss after
            k steps (as returned by gradient_descent_lr).
        loss_star: float, the optimal loss L*.
        tol: float, the tolerance.

    Returns:
        int: the first index k with losses[k] - loss_star <= tol, or
        len(losses) if there is none.
    """
    for k, loss in enumerate(losses):
        if loss - loss_star <= tol:
            return k
    return len(losses)
