# The exercises notebook's Solution code for exercise 9 (with the setup cell's softmax),
# adapted only to the contract's names.
import numpy as np


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_ce_loss(z, y):
    p = softmax(z)
    return -np.sum(y * np.log(p + 1e-12))


def softmax_ce_grad(z, y):
    p = softmax(z)
    return p - y
