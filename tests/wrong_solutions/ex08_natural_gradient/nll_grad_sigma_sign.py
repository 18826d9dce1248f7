# mistake: the log-sigma component written as sum((x - mu)^2) / sigma^2 - n, its sign flipped
# fails: nll_grad_random_data
# diagnosis: dL/dlog sigma has the wrong sign
import numpy as np


def nll_grad(theta, data):
    theta = np.asarray(theta, dtype=float)
    data = np.asarray(data, dtype=float)
    mu, log_s = theta[0], theta[1]
    inv_var = np.exp(-2.0 * log_s)
    d = data - mu
    return np.array([-np.sum(d) * inv_var, np.sum(d * d) * inv_var - data.size])
