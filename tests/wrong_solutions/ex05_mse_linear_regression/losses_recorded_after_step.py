# mistake: each loss is recorded after its step rather than before, so losses[0] is L(w1), not L(w0)
# fails: gradient_descent_lr_trajectory
# diagnosis: shifted by one
import numpy as np


def gradient_descent_lr(X, y, w0, lr, n_steps):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.array(w0, dtype=float, copy=True)
    losses = []
    for _ in range(int(n_steps)):
        w = w - lr * mse_grad(X, y, w)
        losses.append(mse_loss(X, y, w))
    losses.append(mse_loss(X, y, w))
    return w, np.array(losses)
