# mistake: the 2 from differentiating the square is dropped: (1/m) X^T (X w - y)
# fails: mse_grad_random_data
# diagnosis: the factor 2 is missing
import numpy as np


def mse_grad(X, y, w):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    return X.T @ (X @ w - y) / X.shape[0]
