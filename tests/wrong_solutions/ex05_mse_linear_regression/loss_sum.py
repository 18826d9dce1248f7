# mistake: summed the squared residuals instead of averaging them
# fails: mse_loss_random_data
# diagnosis: divide by m
# inherits: gradient_descent_lr_trajectory
import numpy as np


def mse_loss(X, y, w):
    """Mean squared error L(w) = (1/m) ||X w - y||^2.

    Part (a).

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w: array of shape (n,).

    Returns:
        float: L(w).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    r = X @ w - y
    return float(np.sum(r * r))
