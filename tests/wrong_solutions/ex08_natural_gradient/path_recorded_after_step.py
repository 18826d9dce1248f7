# mistake: each row of the path is written after its step, so row 0 is theta after one step, not theta0
# fails: run_optimizer_gradient_descent_path
# diagnosis: shifted by one
import numpy as np


def run_optimizer(theta0, data, lr, n_steps, use_natural=False):
    theta = np.array(theta0, dtype=float, copy=True)
    data = np.asarray(data, dtype=float)
    n_steps = int(n_steps)
    path = np.empty((n_steps + 1, 2))
    for k in range(n_steps):
        g = nll_grad(theta, data)
        if use_natural:
            g = np.linalg.solve(fisher_info(theta, data.size), g)
        theta = theta - lr * g
        path[k] = theta
    path[n_steps] = theta
    return path
