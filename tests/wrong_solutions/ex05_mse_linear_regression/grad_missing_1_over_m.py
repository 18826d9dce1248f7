# mistake: forgot the 1/m of the mean in the gradient
# fails: mse_grad_random_data
# fails: mse_grad_matches_finite_differences
# diagnosis: 1/m
# inherits: gradient_descent_lr_trajectory
# inherits: gradient_descent_lr_leaves_w0_unchanged
import numpy as np


def mse_grad(X, y, w):
    """Gradient of L(w) = (1/m) ||X w - y||^2 with respect to w.

    Part (a).

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w: array of shape (n,).

    Returns:
        ndarray of shape (n,): grad_w L(w).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    return 2.0 * (X.T @ (X @ w - y))
