# mistake: Fisher information of one sample, diag(1 / sigma^2, 2); run_optimizer, right, calls it
# fails: fisher_info_random_theta_and_n
# diagnosis: one sample
# inherits: run_optimizer_converges_to_sample_mle
import numpy as np


def fisher_info(theta, n):
    s2 = np.exp(2 * theta[1])
    return np.diag([1 / s2, 2.0])
