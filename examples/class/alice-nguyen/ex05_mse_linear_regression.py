"""Exercise 5 - MSE and linear regression (Alice Nguyen)."""
from __future__ import annotations

import numpy as np

TITLE = "MSE gradient and linear regression"


def _residual(X, y, w):
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) - np.asarray(y, dtype=float)


def mse_loss(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    r = _residual(X, y, w)
    return float(r @ r / r.size)


def mse_grad(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    r = _residual(X, y, w)
    return (2.0 / r.size) * (np.asarray(X, dtype=float).T @ r)


def gradient_descent_lr(X, y, w0, lr: float, n_steps: int):
    w = np.array(w0, dtype=float, copy=True)
    losses = np.empty(n_steps + 1)
    for k in range(n_steps):
        losses[k] = mse_loss(X, y, w)
        w = w - lr * mse_grad(X, y, w)
    losses[n_steps] = mse_loss(X, y, w)
    return w, losses


def ols_solution(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    w_hat, *_ = np.linalg.lstsq(X, y, rcond=None)  # better conditioned than forming X^T X
    return w_hat


def steps_to_tolerance(losses, loss_star: float, tol: float = 1e-4) -> int:
    within = np.nonzero(np.asarray(losses, dtype=float) - loss_star <= tol)[0]
    return int(within[0]) if len(within) else len(losses)
