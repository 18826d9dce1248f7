# mistake: returned the neutral directions in degrees
# fails: neutral_directions_all_quadrants
# diagnosis: degrees instead of radians
import math
import numpy as np


def neutral_directions(p):
    """The two angles theta with D_u f(p) = 0.

    Part (c). f(x, y) = exp(x^2 + y^2), u = (cos theta, sin theta). Only
    defined where grad f(p) is non-zero (p != (0, 0)).

    Args:
        p: array of shape (2,), the point (x, y).

    Returns:
        tuple (theta_1, theta_2) of floats, radians in (-pi, pi], in any
        order (any answer equal modulo 2 pi is right).
    """
    theta_max, _ = extreme_directions(p)
    return (
        math.degrees(_wrap_angle(theta_max + 0.5 * math.pi)),
        math.degrees(_wrap_angle(theta_max - 0.5 * math.pi)),
    )
