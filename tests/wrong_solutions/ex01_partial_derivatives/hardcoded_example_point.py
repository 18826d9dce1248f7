# mistake: hard-coded df/dx and df/dy at the notebook's example point (1, 2)
# fails: df_dx_random_points
# fails: df_dy_random_points
# diagnosis: same answer for every input
import numpy as np


def df_dx(x, y):
    """Partial derivative df/dx of f(x, y) = x^3 y + e^{xy}.

    Part (a).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: df/dx evaluated at (x, y).
    """
    return 6.0 + 2.0 * np.exp(2.0)  # value at (1, 2)


def df_dy(x, y):
    """Partial derivative df/dy of f(x, y) = x^3 y + e^{xy}.

    Part (a).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: df/dy evaluated at (x, y).
    """
    return 1.0 + np.exp(2.0)  # value at (1, 2)
