# mistake: forgot the chain rule in d/dx e^{xy} (wrote e^{xy} instead of y e^{xy})
# fails: df_dx_random_points
# passes: df_dy_random_points
# diagnosis: chain rule is missing
import numpy as np


def df_dx(x, y):
    """Partial derivative df/dx of f(x, y) = x^3 y + e^{xy}.

    Part (a).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: df/dx evaluated at (x, y).
    """
    x, y = float(x), float(y)
    return float(3.0 * x**2 * y + np.exp(x * y))
