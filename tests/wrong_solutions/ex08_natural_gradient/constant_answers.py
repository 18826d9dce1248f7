# mistake: every function returns the notebook's expected outcome, whatever the data
# fails: run_optimizer_leaves_theta0_unchanged
# diagnosis: answer is wrong
import numpy as np


def neg_log_likelihood(theta, data):
    return 360.0


def nll_grad(theta, data):
    return np.zeros(2)


def fisher_info(theta, n):
    return np.diag([2000.0, 1000.0])


def run_optimizer(theta0, data, lr, n_steps, use_natural=False):
    return np.tile([3.0, np.log(0.5)], (n_steps + 1, 1))
