"""Exercise 2: Gradient geometry

Let

    f(x, y) = x^2 + x y + y^2.

(a) Compute the gradient grad f(x, y) = (df/dx, df/dy) analytically.
Function: `grad_f(x, y)`.

(b) At the point (1, 1), find the gradient grad f(1, 1) and its magnitude
||grad f(1, 1)||. Function: `grad_f(x, y)` again.

(c) Show numerically that the gradient is perpendicular to the level curve
f(x, y) = f(1, 1) = 3 at (1, 1): compute a unit vector t tangent to the level
curve through the point and check that grad f . t = 0. (Hint: parametrise the
level curve near (1, 1) and compute the dot product of the gradient with the
tangent direction.) Either orientation of t is accepted.
Function: `level_curve_tangent(x, y)`.

(d) Find the unit vector u that minimises the directional derivative
D_u f(x, y) = grad f(x, y) . u (the steepest descent direction) and verify
that D_u f = -||grad f|| for that u. Function: `steepest_descent_dir(x, y)`.

Parts (c) and (d) are only asked where grad f(x, y) is non-zero.

Conventions: inputs are Python floats; vector answers are NumPy float64 arrays
of shape (2,); do not modify arguments in place; use only NumPy and the Python
standard library.
"""

import numpy as np

TITLE = "Gradient geometry"


def grad_f(x, y):
    """Gradient of f(x, y) = x^2 + x y + y^2.

    Parts (a) and (b).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        ndarray of shape (2,): (df/dx, df/dy) at (x, y).
    """
    return np.array([2 * x + y, x + 2 * y], dtype=float)


def level_curve_tangent(x, y):
    """Unit vector tangent to the level curve of f through (x, y).

    Part (c). f(x, y) = x^2 + x y + y^2. The tangent t is perpendicular to
    grad f(x, y) and has ||t|| = 1; either of the two orientations is right.
    Only defined where grad f(x, y) is non-zero.

    Args:
        x, y: floats, the point (x, y).

    Returns:
        ndarray of shape (2,): a unit tangent vector t with grad f . t = 0.
    """
    g = grad_f(x, y)
    t = np.array([-g[1], g[0]])  # rotate the gradient by 90 degrees
    return t / np.linalg.norm(t)


def steepest_descent_dir(x, y):
    """Unit vector u minimising the directional derivative D_u f(x, y).

    Part (d). f(x, y) = x^2 + x y + y^2 and D_u f = grad f(x, y) . u over unit
    vectors u. Only defined where grad f(x, y) is non-zero.

    Args:
        x, y: floats, the point (x, y).

    Returns:
        ndarray of shape (2,): the unit steepest descent direction.
    """
    g = grad_f(x, y)
    return -g / np.linalg.norm(g)
