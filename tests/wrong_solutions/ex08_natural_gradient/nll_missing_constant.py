# mistake: left the constant 0.5 n log(2 pi) out of the NLL (it does not change the gradient)
# fails: neg_log_likelihood_random_data
# diagnosis: 0.5 n log(2 pi) is missing
import numpy as np


def neg_log_likelihood(theta, data):
    mu, log_s = theta[0], theta[1]
    n = len(data)
    return 0.5 * np.sum(((data - mu) / np.exp(log_s)) ** 2) + n * log_s


def nll_grad(theta, data):
    mu, log_s = theta[0], theta[1]
    sigma = np.exp(log_s)
    return np.array([-np.sum(data - mu) / sigma**2, len(data) - np.sum((data - mu) ** 2) / sigma**2])


def fisher_info(theta, n):
    sigma = np.exp(theta[1])
    return np.diag([n / sigma**2, 2.0 * n])


def run_optimizer(theta0, data, lr, n_steps, use_natural=False):
    theta = theta0.copy()
    path = [theta.copy()]
    for _ in range(n_steps):
        g = nll_grad(theta, data)
        if use_natural:
            g = np.linalg.solve(fisher_info(theta, len(data)), g)
        theta = theta - lr * g
        path.append(theta.copy())
    return np.array(path)
