# mistake: used the forward four-point difference for the mixed partial
# fails: mixed_partial_fd_matches_reference
# diagnosis: forward difference
import numpy as np


def mixed_partial_fd(f, x, y, h=1e-4):
    """Centred four-point finite-difference estimate of d^2f/(dx dy).

    Part (d). Used to verify Clairaut's theorem numerically:

        [f(x+h, y+h) - f(x+h, y-h) - f(x-h, y+h) + f(x-h, y-h)] / (4 h^2)

    Args:
        f: callable taking two scalars, f(x, y) -> float (any function,
            not only the f of part (a)).
        x, y: floats, the point (x, y).
        h: float, the step size.

    Returns:
        float: the estimate of d^2f/(dx dy) at (x, y).
    """
    x, y, h = float(x), float(y), float(h)
    num = f(x + h, y + h) - f(x + h, y) - f(x, y + h) + f(x, y)
    return float(num / (h * h))
