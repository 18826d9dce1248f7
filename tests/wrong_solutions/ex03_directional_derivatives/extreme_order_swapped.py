# mistake: returned (theta_min, theta_max) instead of (theta_max, theta_min)
# fails: extreme_directions_all_quadrants
# diagnosis: theta_max, theta_min
import math
import numpy as np


def extreme_directions(p):
    """Angles of the directions maximising and minimising D_u f(p).

    Part (b). f(x, y) = exp(x^2 + y^2), u = (cos theta, sin theta). Only
    defined where grad f(p) is non-zero (p != (0, 0)).

    Args:
        p: array of shape (2,), the point (x, y).

    Returns:
        tuple (theta_max, theta_min) of floats, radians in (-pi, pi]
        (any answer equal modulo 2 pi is right).
    """
    p = np.asarray(p, dtype=float)
    if not np.any(p):
        raise ValueError("extreme_directions: the gradient is zero at this point")
    # grad f(p) = 2 e^{x^2 + y^2} p is a positive multiple of p, so it has the
    # direction of p; using p avoids overflow of the exponential.
    theta_max = math.atan2(p[1], p[0])
    theta_min = _wrap_angle(theta_max + math.pi)
    return (float(theta_min), float(theta_max))
