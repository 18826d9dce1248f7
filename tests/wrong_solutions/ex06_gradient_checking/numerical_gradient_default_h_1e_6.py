# mistake: numerical_gradient's default step is h = 1e-6 (the notebook's own helper), not the contract's 1e-5 (feedback only: the answers are as accurate)
# fails: defaults_are_the_contracts
# diagnosis: the assignment's signature gives the default
import numpy as np


def numerical_gradient(f, x, h=1e-6):
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
        grad[idx] = (f(xp) - f(xm)) / (2.0 * h)
    return grad
