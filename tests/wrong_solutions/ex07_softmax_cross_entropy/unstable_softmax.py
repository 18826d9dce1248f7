# mistake: softmax without subtracting the maximum logit, so exp overflows for logits like 1000
# fails: softmax_large_logits
# fails: ce_loss_large_logits
# inherits: batch_ce_grad_large_logits_feedback
# diagnosis: exp of a large number overflowed
import numpy as np


def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / np.sum(e, axis=-1, keepdims=True)


def ce_loss(z, y_true):
    return float(-np.log(softmax(z)[y_true]))


def ce_grad(z, y_true):
    g = softmax(z)
    g[y_true] -= 1.0
    return g


def batch_ce_grad(Z, Y_onehot):
    return (softmax(Z) - Y_onehot) / Z.shape[0]
