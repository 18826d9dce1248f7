# mistake: forgot the 1/m of the mean in the gradient; gradient descent takes the gradient as a default argument
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


def gradient_descent_lr(X, y, w0, lr, n_steps, grad=mse_grad):
    """Plain gradient descent on L(w) = (1/m) ||X w - y||^2 from w0.

    Part (b). Each step is w <- w - lr * grad_w L(w). w0 is not modified.

    Args:
        X: array of shape (m, n).
        y: array of shape (m,).
        w0: array of shape (n,), the starting weights.
        lr: float, the learning rate.
        n_steps: int, the number of gradient steps.

    Returns:
        tuple (w, losses):
            w: ndarray of shape (n,), the weights after n_steps steps.
            losses: float64 ndarray of n_steps + 1 entries: the loss before
                each step, then the final loss (losses[0] = L(w0),
                losses[-1] = L(w)).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.array(w0, dtype=float, copy=True)
    n_steps = int(n_steps)
    losses = np.empty(n_steps + 1, dtype=float)
    for k in range(n_steps):
        losses[k] = mse_loss(X, y, w)
        w = w - lr * grad(X, y, w)
    losses[n_steps] = mse_loss(X, y, w)
    return w, losses
