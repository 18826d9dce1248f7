# mistake: used a centred difference in the limit definition instead of the one-sided quotient
# fails: limit_directional_deriv_matches_reference
# diagnosis: centred difference
import math
import numpy as np


def limit_directional_deriv(f, p, u, h):
    """One-sided difference quotient [f(p + h u) - f(p)] / h.

    Part (d). The limit definition of the directional derivative, before
    taking h -> 0.

    Args:
        f: callable taking an array of shape (2,) and returning a float
            (any such function, not only exp(x^2 + y^2)).
        p: array of shape (2,), the point.
        u: array of shape (2,), the direction (used as given).
        h: float, the step size.

    Returns:
        float: the difference quotient.
    """
    p = np.asarray(p, dtype=float)
    u = np.asarray(u, dtype=float)
    h = float(h)
    return float((f(p + h * u) - f(p - h * u)) / (2 * h))
