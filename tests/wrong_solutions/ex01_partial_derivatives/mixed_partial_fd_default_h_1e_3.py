# mistake: mixed_partial_fd's default step is h = 1e-3, not the contract's 1e-4 (feedback only: the answers are as accurate)
# fails: mixed_partial_fd_default_h_is_the_contracts
# diagnosis: the assignment's signature gives the default
import numpy as np


def mixed_partial_fd(f, x, y, h=1e-3):
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
    num = f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)
    return float(num / (4.0 * h * h))
