# mistake: numerical_gradient uses forward differences [f(x + h e_i) - f(x)] / h
# fails: numerical_gradient_matches_reference
# diagnosis: forward difference
# inherits: gradient_check_random_claims
# inherits: gradient_check_flags_sign_and_scale_errors
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred finite-difference gradient of f at x.

    Part (a). Component i is [f(x + h e_i) - f(x - h e_i)] / (2 h).

    Args:
        f: callable taking an array shaped like x and returning a float.
        x: 1-D array of shape (n,), the point (arrays of other shapes are
            handled entry by entry in the same way).
        h: float, the step size.

    Returns:
        ndarray of the same shape as x: the numerical gradient.
        x itself is not modified.
    """
    x = np.array(x, dtype=float, copy=True)
    h = float(h)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(x)) / h
    return grad
