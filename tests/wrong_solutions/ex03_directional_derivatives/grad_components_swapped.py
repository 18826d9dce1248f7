# mistake: grad_f3 returns the partial derivatives in the wrong order; the functions calling it are right
# fails: grad_f3_random_points
# diagnosis: swapped
# inherits: directional_deriv_random_angles
import numpy as np


def grad_f3(p):
    p = np.asarray(p, dtype=float)
    return 2.0 * np.exp(p[0] ** 2 + p[1] ** 2) * p[::-1]
