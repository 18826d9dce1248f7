# mistake: numerical_gradient always steps by 3e-4, whatever h it is given
# fails: numerical_gradient_matches_reference
# diagnosis: h is not used
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred finite-difference gradient of f at x, with the step fixed where it should be h."""
    x = np.asarray(x, dtype=float)
    step = 3e-4
    grad = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        grad[i] = (f(x + e) - f(x - e)) / (2 * step)
    return grad
