# mistake: perturbed x itself (x[i] += h, x[i] -= 2h) and never restored it
# fails: numerical_gradient_leaves_x_unchanged
# diagnosis: modified its argument
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
    h = float(h)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fp = f(x)
        x[idx] -= 2 * h
        fm = f(x)
        grad[idx] = (fp - fm) / (2.0 * h)
    return grad
