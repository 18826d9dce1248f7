# mistake: forgot the tanh derivative (1 - H^2) in the network gradient
# fails: nn_grad_random_networks
# fails: nn_grad_matches_finite_differences
# diagnosis: derivative of tanh is missing
import numpy as np


def nn_grad(W, X, v, y):
    """Gradient of L(W) = sum((tanh(X W) v - y)^2) with respect to W.

    Part (c).

    Args:
        W: array of shape (d_in, d_h), first-layer weights.
        X: array of shape (m, d_in), inputs (one per row).
        v: array of shape (d_h,), output weights.
        y: array of shape (m,), targets.

    Returns:
        ndarray of shape (d_in, d_h), the shape of W: grad_W L.
    """
    W = np.asarray(W, dtype=float)
    X = np.asarray(X, dtype=float)
    v = np.asarray(v, dtype=float)
    y = np.asarray(y, dtype=float)
    H = np.tanh(X @ W)  # (m, d_h)
    delta = 2.0 * (H @ v - y)  # (m,)
    dZ = delta[:, None] * v[None, :]  # (m, d_h)
    return X.T @ dZ
