# mistake: the 2 from differentiating the squared residual is dropped
# fails: nn_grad_random_networks
# diagnosis: 1/2 times the right one
import numpy as np


def nn_grad(W, X, v, y):
    W, X, v, y = (np.asarray(a, dtype=float) for a in (W, X, v, y))
    H = np.tanh(X @ W)
    delta = H @ v - y
    return X.T @ (delta[:, None] * v[None, :] * (1.0 - H * H))
