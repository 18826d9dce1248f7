# mistake: the centred difference is divided by h instead of 2h
# fails: numerical_gradient_matches_reference
# diagnosis: 2 times the right one
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float, copy=True)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        grad[i] = (f(xp) - f(xm)) / h
    return grad
