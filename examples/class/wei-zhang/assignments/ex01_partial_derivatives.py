"""Exercise 1: Partial derivatives: computation and interpretation

Compute first-order partial derivatives of the functions below analytically,
evaluate them at the given points, and verify them numerically with centred
finite differences.

(a) For

    f(x, y) = x^3 y + e^{xy}

compute df/dx and df/dy analytically, then evaluate them at (x, y) = (1, 2).
Functions: `df_dx(x, y)` and `df_dy(x, y)`.

(b) For

    g(x, y, z) = sin(xy) + y z^2 - ln(x + z),    defined where x + z > 0,

compute all three partials dg/dx, dg/dy, dg/dz and evaluate them at
(x, y, z) = (1, 0, 1). Functions: `dg_dx(x, y, z)`, `dg_dy(x, y, z)`,
`dg_dz(x, y, z)`.

(c) For h(w) = ||w||^2 = w_1^2 + w_2^2 + ... + w_n^2 with w in R^n, compute
grad h(w) analytically and verify that grad h(w) = 2w, e.g. at w = (1, 2, 3).
Function: `grad_norm_sq(w)`.

(d) Compute the second-order mixed partial d^2f/(dx dy) of f from part (a)
and verify Clairaut's theorem, d^2f/(dx dy) = d^2f/(dy dx), numerically at
(1, 2) with the centred four-point estimate (step h = 1e-4):

    d^2f/(dx dy) ~ [f(x+h, y+h) - f(x+h, y-h) - f(x-h, y+h) + f(x-h, y-h)] / (4 h^2)

Functions: `d2f_dxdy(x, y)` (analytic) and `mixed_partial_fd(f, x, y, h=1e-4)`
(numerical, for any f(x, y) returning a float).

Conventions: inputs are Python floats or NumPy float64 arrays; scalar answers
are returned as float, vector answers as NumPy arrays; do not modify arguments
in place; use only NumPy and the Python standard library.
"""

import numpy as np  # noqa: F401

TITLE = "Partial derivatives: computation and interpretation"


def df_dx(x, y):
    """Partial derivative df/dx of f(x, y) = x^3 y + e^{xy}.

    Part (a).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: df/dx evaluated at (x, y).
    """
    return 3 * x**2 * y + y * np.exp(x * y)


def df_dy(x, y):
    """Partial derivative df/dy of f(x, y) = x^3 y + e^{xy}.

    Part (a).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: df/dy evaluated at (x, y).
    """
    return x**3 + x * np.exp(x * y)


def dg_dx(x, y, z):
    """Partial derivative dg/dx of g(x, y, z) = sin(xy) + y z^2 - ln(x + z).

    Part (b). Only points with x + z > 0 are considered.

    Args:
        x, y, z: floats, the point (x, y, z).

    Returns:
        float: dg/dx evaluated at (x, y, z).
    """
    return y * np.cos(x * y) - 1 / (x + z)


def dg_dy(x, y, z):
    """Partial derivative dg/dy of g(x, y, z) = sin(xy) + y z^2 - ln(x + z).

    Part (b). Only points with x + z > 0 are considered.

    Args:
        x, y, z: floats, the point (x, y, z).

    Returns:
        float: dg/dy evaluated at (x, y, z).
    """
    return x * np.cos(x * y) + z**2


def dg_dz(x, y, z):
    """Partial derivative dg/dz of g(x, y, z) = sin(xy) + y z^2 - ln(x + z).

    Part (b). Only points with x + z > 0 are considered.

    Args:
        x, y, z: floats, the point (x, y, z).

    Returns:
        float: dg/dz evaluated at (x, y, z).
    """
    return 2 * y * z - 1 / (x + z)


def grad_norm_sq(w):
    """Gradient of h(w) = ||w||^2 = sum_i w_i^2.

    Part (c).

    Args:
        w: array of shape (n,) (a list is accepted too).

    Returns:
        ndarray of shape (n,), the same shape as w: grad h(w).
        A new array; w itself is not modified.
    """
    w *= 2
    return w


def d2f_dxdy(x, y):
    """Analytic mixed partial d^2f/(dx dy) of f(x, y) = x^3 y + e^{xy}.

    Part (d).

    Args:
        x, y: floats, the point (x, y).

    Returns:
        float: d^2f/(dx dy) evaluated at (x, y).
    """
    # d/dy (3x^2 y + y e^{xy}) = 3x^2 + e^{xy} + xy e^{xy}   (product rule)
    return 3 * x**2 + np.exp(x * y) + x * y * np.exp(x * y)


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
    return (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h**2)
