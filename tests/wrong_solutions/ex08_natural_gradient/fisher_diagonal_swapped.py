# mistake: the two diagonal entries written in the order (log sigma, mu)
# fails: fisher_info_random_theta_and_n
# diagnosis: the diagonal entries are wrong
import numpy as np


def fisher_info(theta, n):
    theta = np.asarray(theta, dtype=float)
    n = float(n)
    return np.diag([2.0 * n, n * np.exp(-2.0 * theta[1])])
