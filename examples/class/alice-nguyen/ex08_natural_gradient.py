"""Exercise 8 - natural gradient for N(mu, sigma^2), theta = (mu, log sigma) (Alice Nguyen)."""
from __future__ import annotations

import math

import numpy as np

TITLE = "Natural gradient for a Gaussian model"

LOG_2PI = math.log(2 * math.pi)


def neg_log_likelihood(theta, data) -> float:
    mu, s = float(theta[0]), float(theta[1])
    z = (np.asarray(data, dtype=float) - mu) * math.exp(-s)
    n = z.size
    return float(0.5 * z @ z + n * s + 0.5 * n * LOG_2PI)


def nll_grad(theta, data) -> np.ndarray:
    mu, s = float(theta[0]), float(theta[1])
    d = np.asarray(data, dtype=float) - mu
    inv_var = math.exp(-2 * s)
    return np.array([-d.sum() * inv_var, d.size - (d @ d) * inv_var])


def fisher_info(theta, n) -> np.ndarray:
    return np.diag([n * math.exp(-2 * float(theta[1])), 2.0 * n])


def run_optimizer(theta0, data, lr, n_steps, use_natural=False) -> np.ndarray:
    path = np.zeros((n_steps + 1, 2))
    path[0] = theta0
    for k in range(n_steps):
        theta = path[k]
        step = nll_grad(theta, data)
        if use_natural:
            step = step / np.diag(fisher_info(theta, len(data)))  # F is diagonal
        path[k + 1] = theta - lr * step
    return path
