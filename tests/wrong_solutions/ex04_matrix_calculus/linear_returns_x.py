# mistake: returned x instead of a for the gradient of a^T x
# fails: grad_linear_random_vectors
# fails: grad_linear_matches_finite_differences
# diagnosis: does not depend on x
import numpy as np


def grad_linear(a, x):
    """Gradient of f(x) = a^T x with respect to x.

    Part (a).

    Args:
        a: array of shape (n,), fixed.
        x: array of shape (n,), the point.

    Returns:
        ndarray of shape (n,): grad_x (a^T x) at x (a new array, not a itself).
    """
    return np.array(x, dtype=float, copy=True)
