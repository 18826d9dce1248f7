"""Exercise 2 - gradient geometry of f(x, y) = x^2 + xy + y^2 (Alice Nguyen)."""
from __future__ import annotations

import numpy as np

TITLE = "Gradient geometry"


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    if n == 0:
        raise ValueError("zero gradient: direction undefined")
    return v / n


def grad_f(x: float, y: float) -> np.ndarray:
    return np.array([2.0 * x + y, x + 2.0 * y])


def level_curve_tangent(x: float, y: float) -> np.ndarray:
    gx, gy = grad_f(x, y)
    return _unit(np.array([gy, -gx]))  # grad . t = gx gy - gy gx = 0


def steepest_descent_dir(x: float, y: float) -> np.ndarray:
    return -_unit(grad_f(x, y))
