"""Exercise 4 - matrix calculus (Alice Nguyen).

Index notation: d/dx_k (a_i x_i) = a_k; d/dx_k (x_i A_ij x_j) = A_kj x_j + x_i A_ik;
d/dX_kl (A_ij X_ji) = A_lk.
"""
from __future__ import annotations

import numpy as np

TITLE = "Matrix calculus from first principles"


def grad_linear(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.array(a, dtype=float, copy=True)


def grad_quadratic(A: np.ndarray, x: np.ndarray) -> np.ndarray:
    A = np.asarray(A, dtype=float)
    return A @ x + A.T @ x  # = 2 A x when A is symmetric


def grad_least_squares(A: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    r = A @ x - b
    return 2.0 * A.T @ r


def grad_trace(A: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.array(np.transpose(A), dtype=float)
