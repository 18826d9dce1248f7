"""Exercise 6 - gradient checking (Alice Nguyen)."""
from __future__ import annotations

import numpy as np

TITLE = "Gradient checking"


def numerical_gradient(f, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    x = np.array(x, dtype=float, copy=True)
    g = np.empty_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        f_plus = f(x.copy())
        x.flat[i] = old - h
        f_minus = f(x.copy())
        x.flat[i] = old
        g.flat[i] = (f_plus - f_minus) / (2.0 * h)
    return g


def gradient_check(f, grad, x, h: float = 1e-5, eps: float = 1e-8) -> float:
    g_num = numerical_gradient(f, x, h)
    g = np.asarray(grad, dtype=float).reshape(g_num.shape)
    return float(np.linalg.norm(g_num - g) / (np.linalg.norm(g_num) + np.linalg.norm(g) + eps))


def nn_loss(W, X, v, y) -> float:
    r = np.tanh(X @ W) @ v - y
    return float(r @ r)


def nn_grad(W, X, v, y) -> np.ndarray:
    H = np.tanh(X @ W)
    r = H @ v - y
    # dL/dH = 2 r v^T ; dH/dZ = 1 - H^2 ; dZ/dW: X^T
    return X.T @ ((2.0 * r[:, None] * v[None, :]) * (1.0 - H**2))
