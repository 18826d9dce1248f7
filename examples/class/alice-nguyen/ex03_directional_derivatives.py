"""Exercise 3 - directional derivatives of f(x, y) = exp(x^2 + y^2) (Alice Nguyen)."""
from __future__ import annotations

import math

import numpy as np

TITLE = "Directional derivatives"


def grad_f3(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return 2.0 * np.exp(p @ p) * p


def directional_deriv(p: np.ndarray, theta: float) -> float:
    u = np.array([math.cos(theta), math.sin(theta)])
    return float(grad_f3(p) @ u)


def extreme_directions(p: np.ndarray) -> tuple[float, float]:
    # grad f(p) = 2 e^{|p|^2} p is parallel to p: no need to evaluate the exponential
    theta_max = math.atan2(p[1], p[0])
    theta_min = theta_max - math.pi if theta_max > 0 else theta_max + math.pi
    return theta_max, theta_min


def neutral_directions(p: np.ndarray) -> tuple[float, float]:
    theta_max, _ = extreme_directions(p)
    return theta_max + math.pi / 2, theta_max - math.pi / 2


def limit_directional_deriv(f, p: np.ndarray, u: np.ndarray, h: float) -> float:
    p = np.asarray(p, dtype=float)
    u = np.asarray(u, dtype=float)
    return float((f(p + h * u) - f(p)) / h)
