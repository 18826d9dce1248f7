# mistake: second gradient component taken with respect to sigma instead of log sigma
# fails: nll_grad_random_data
# diagnosis: derivative with respect to sigma
# inherits: run_optimizer_gradient_descent_path
# inherits: run_optimizer_natural_gradient_path
# inherits: run_optimizer_leaves_theta0_unchanged
import math
import numpy as np


def neg_log_likelihood(theta, data):
    mu, log_s = theta[0], theta[1]
    n = len(data)
    return 0.5 * np.sum(((data - mu) / np.exp(log_s)) ** 2) + n * log_s + 0.5 * n * math.log(2 * math.pi)


def nll_grad(theta, data):
    mu, log_s = theta[0], theta[1]
    sigma = np.exp(log_s)
    return np.array([-np.sum(data - mu) / sigma**2, len(data) / sigma - np.sum((data - mu) ** 2) / sigma**3])


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
