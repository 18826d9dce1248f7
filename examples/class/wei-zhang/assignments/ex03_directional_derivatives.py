"""Exercise 3: Directional derivatives

Let

    f(x, y) = exp(x^2 + y^2),

evaluated at a point p = (x, y). For a unit vector u the directional
derivative is D_u f(p) = grad f(p) . u. Directions in the plane are written
u = (cos theta, sin theta) with theta in radians.

(a) Compute grad f(p), and D_u f(p) at p = (1, 0) as a function of theta.
Plot it for theta in [0, 2 pi]. Functions: `grad_f3(p)` and
`directional_deriv(p, theta)`.

(b) Find the angle theta_max that maximises D_u f(p) and the angle theta_min
that minimises it (where grad f(p) is non-zero). Function:
`extreme_directions(p)`.

(c) Find all directions with D_u f(p) = 0. These are the neutral directions,
tangent to the level set of f through p. Function: `neutral_directions(p)`.

(d) Verify numerically that the formula grad f(p) . u matches the limit
definition

    D_u f(p) = lim_{h -> 0} [f(p + h u) - f(p)] / h,

e.g. for theta = 0.7 and h = 1e-2, 1e-4, 1e-6. Function:
`limit_directional_deriv(f, p, u, h)`.

Conventions: angles are radians and an angle answer is right modulo 2 pi;
points and directions are NumPy float64 arrays of shape (2,); scalar answers
are floats; do not modify arguments in place; use only NumPy and the Python
standard library.
"""

import numpy as np  # noqa: F401

TITLE = "Directional derivatives"


def grad_f3(p):
    """Gradient of f(x, y) = exp(x^2 + y^2) at p = (x, y).

    Part (a).

    Args:
        p: array of shape (2,), the point (x, y).

    Returns:
        ndarray of shape (2,): grad f(p).
    """
    x, y = p
    return 2 * np.exp(x**2 + y**2) * np.array([x, y])


def directional_deriv(p, theta):
    """Directional derivative D_u f(p) for u = (cos theta, sin theta).

    Part (a). f(x, y) = exp(x^2 + y^2) and D_u f(p) = grad f(p) . u.

    Args:
        p: array of shape (2,), the point (x, y).
        theta: float, the direction angle in radians.

    Returns:
        float: D_u f(p).
    """
    u = np.array([np.cos(theta), np.sin(theta)])
    return float(grad_f3(p) @ u)


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
    # the gradient is a positive multiple of p, so it points along p
    theta_max = np.arctan2(p[1], p[0])
    theta_min = theta_max + np.pi
    return theta_max, theta_min


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
    return theta_max + np.pi / 2, theta_max - np.pi / 2


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
    return (f(p + h * u) - f(p)) / h
