# mistake: stable softmax that shifts the caller's logits in place (z -= z.max())
# fails: softmax_random_logits
# diagnosis: modified its argument
import numpy as np


def softmax(z):
    z -= np.max(z)
    e = np.exp(z)
    return e / np.sum(e)


def softmax_jacobian(z):
    p = softmax(np.array(z, dtype=float))
    return np.diag(p) - np.outer(p, p)


def ce_loss(z, y_true):
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))) - z[y_true])


def ce_grad(z, y_true):
    g = softmax(np.array(z, dtype=float))
    g[y_true] -= 1.0
    return g


def batch_ce_grad(Z, Y_onehot):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return (e / np.sum(e, axis=1, keepdims=True) - Y_onehot) / Z.shape[0]
