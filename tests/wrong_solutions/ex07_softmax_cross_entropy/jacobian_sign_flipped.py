# mistake: Jacobian written as p p^T - diag(p)
# fails: softmax_jacobian_random_logits
# fails: softmax_jacobian_matches_finite_differences
# diagnosis: sign flipped
import numpy as np


def softmax_jacobian(z):
    p = softmax(z)
    return np.outer(p, p) - np.diag(p)


def ce_loss(z, y_true):
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))) - z[y_true])


def ce_grad(z, y_true):
    g = softmax(z)
    g[y_true] -= 1.0
    return g


def batch_ce_grad(Z, Y_onehot):
    return (softmax(Z) - Y_onehot) / Z.shape[0]
