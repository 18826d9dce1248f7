# The exercises notebook's Solution code for exercise 8, adapted only to the contract's names
# (the notebook's global N is the number of samples, len(data); fisher_info takes n).
import numpy as np


def neg_log_likelihood(theta, data):
    N = len(data)
    mu, log_s = theta[0], theta[1]
    sigma = np.exp(log_s)
    return 0.5 * np.sum(((data - mu) / sigma)**2) + N * log_s + 0.5 * N * np.log(2 * np.pi)


def nll_grad(theta, data):
    N = len(data)
    mu, log_s = theta[0], theta[1]
    sigma = np.exp(log_s)
    # d NLL / d mu = -sum (x_i - mu) / sigma^2
    grad_mu = -np.sum(data - mu) / sigma**2
    # d NLL / d log_sigma = N - sum (x_i-mu)^2 / sigma^2
    grad_ls = N - np.sum((data - mu)**2) / sigma**2
    return np.array([grad_mu, grad_ls])


def fisher_info(theta, N):
    sigma = np.exp(theta[1])
    return np.diag([N / sigma**2, 2 * N])


def run_optimizer(theta0, data, lr, n_steps, use_natural=False):
    theta = theta0.copy()
    path = [theta.copy()]
    for _ in range(n_steps):
        g = nll_grad(theta, data)
        if use_natural:
            F = fisher_info(theta, len(data))
            step = np.linalg.solve(F, g)
        else:
            step = g
        theta -= lr * step
        path.append(theta.copy())
    return np.array(path)
