# mistake: differentiated -ln(x + z) to +1/(x + z) in dg/dx
# fails: dg_dx_random_points
# passes: dg_dy_random_points
# passes: dg_dz_random_points
# diagnosis: sign of the log term
import numpy as np


def dg_dx(x, y, z):
    """Partial derivative dg/dx of g(x, y, z) = sin(xy) + y z^2 - ln(x + z).

    Part (b). Only points with x + z > 0 are considered.

    Args:
        x, y, z: floats, the point (x, y, z).

    Returns:
        float: dg/dx evaluated at (x, y, z).
    """
    x, y, z = float(x), float(y), float(z)
    return float(y * np.cos(x * y) + 1.0 / (x + z))
