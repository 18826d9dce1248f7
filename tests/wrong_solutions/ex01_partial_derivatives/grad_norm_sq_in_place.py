# mistake: doubled w in place (w *= 2) and returned it
# fails: grad_norm_sq_leaves_w_unchanged
# diagnosis: modified its argument
import numpy as np


def grad_norm_sq(w):
    """Gradient of h(w) = ||w||^2 = sum_i w_i^2.

    Part (c).

    Args:
        w: array of shape (n,) (a list is accepted too).

    Returns:
        ndarray of shape (n,), the same shape as w: grad h(w).
        A new array; w itself is not modified.
    """
    w = np.asarray(w, dtype=float)
    w *= 2.0
    return w
