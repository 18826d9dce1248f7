# mistake: hard-coded the gradient at the notebook's point p = (1, 0)
# fails: grad_f3_random_points
# fails: grad_f3_matches_finite_differences
# diagnosis: same answer for every input
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
    return np.array([2.0 * np.e, 0.0])
