# mistake: the per-sample 1/sigma^2 used for the mu entry, while the log-sigma entry has its n
# fails: fisher_info_random_theta_and_n
# diagnosis: only entry [0, 0] is wrong
import numpy as np


def fisher_info(theta, n):
    theta = np.asarray(theta, dtype=float)
    return np.diag([np.exp(-2.0 * theta[1]), 2.0 * float(n)])
