"""Exercise 10 - FGSM (Alice Nguyen)."""
from __future__ import annotations

import numpy as np

TITLE = "FGSM direction as steepest loss increase"


def _sigmoid(t: float) -> float:
    # 1 / (1 + e^{-t}) = exp(-log(1 + e^{-t})), overflow-free both ways
    return float(np.exp(-np.logaddexp(0.0, -t)))


def logistic_loss_x(x, w, y) -> float:
    margin = y * np.dot(w, x)
    return float(np.logaddexp(0.0, -margin))


def grad_x(x, w, y) -> np.ndarray:
    margin = y * np.dot(w, x)
    return -y * _sigmoid(-margin) * np.asarray(w, dtype=float)


def fgsm_perturbation(x, w, y, eps) -> np.ndarray:
    return eps * np.sign(grad_x(x, w, y))
