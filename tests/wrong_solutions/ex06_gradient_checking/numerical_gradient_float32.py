# mistake: the point is converted to float32 before the finite differences (h = 1e-5 is then lost in rounding)
# fails: numerical_gradient_matches_reference
# diagnosis: float32
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float32)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / (2.0 * h)
    return grad
