# mistake: dropped the exponential from the gradient, 2p instead of 2 e^{|p|^2} p
# fails: grad_f3_random_points
# diagnosis: keep the exponential
# inherits: directional_deriv_random_angles
import math
import numpy as np


def grad_f3(p):
    """Gradient of f(x, y) = exp(x^2 + y^2) at p = (x, y).

    Part (a).

    Args:
        p: array of shape (2,), the point (x, y).

    Returns:
        ndarray of shape (2,): grad f(p).
    """
    p = np.asarray(p, dtype=float)
    return 2.0 * p
