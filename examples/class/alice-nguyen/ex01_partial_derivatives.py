"""Exercise 1 - partial derivatives (Alice Nguyen).

f(x, y) = x^3 y + e^{xy}
g(x, y, z) = sin(xy) + y z^2 - ln(x + z)
h(w) = ||w||^2
"""
from __future__ import annotations

import numpy as np

TITLE = "Partial derivatives: computation and interpretation"


def df_dx(x: float, y: float) -> float:
    # d/dx x^3 y = 3 x^2 y,   d/dx e^{xy} = y e^{xy}
    return float(3.0 * x * x * y + y * np.exp(x * y))


def df_dy(x: float, y: float) -> float:
    return float(x**3 + x * np.exp(x * y))


def dg_dx(x: float, y: float, z: float) -> float:
    return float(y * np.cos(x * y) - 1.0 / (x + z))


def dg_dy(x: float, y: float, z: float) -> float:
    return float(x * np.cos(x * y) + z * z)


def dg_dz(x: float, y: float, z: float) -> float:
    return float(2.0 * y * z - 1.0 / (x + z))


def grad_norm_sq(w: np.ndarray) -> np.ndarray:
    return 2.0 * np.asarray(w, dtype=float)  # a new array, w untouched


def d2f_dxdy(x: float, y: float) -> float:
    # d/dy [3 x^2 y + y e^{xy}] = 3 x^2 + e^{xy} (1 + x y)
    return float(3.0 * x * x + np.exp(x * y) * (1.0 + x * y))


def mixed_partial_fd(f, x: float, y: float, h: float = 1e-4) -> float:
    corners = f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)
    return float(corners / (4.0 * h * h))


if __name__ == "__main__":
    f = lambda x, y: x**3 * y + np.exp(x * y)
    print(df_dx(1, 2), df_dy(1, 2))
    print("Clairaut:", d2f_dxdy(1, 2), mixed_partial_fd(f, 1, 2))
