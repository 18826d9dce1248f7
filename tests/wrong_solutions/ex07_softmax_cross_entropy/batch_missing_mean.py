# mistake: batch gradient P - Y, forgetting the 1/m of the mean over the batch
# fails: batch_ce_grad_random_batches
# fails: batch_ce_grad_large_logits_feedback
# diagnosis: missing 1/m
import numpy as np


def ce_loss(z, y_true):
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    return float(m + np.log(np.sum(np.exp(z - m))) - z[y_true])


def ce_grad(z, y_true):
    g = softmax(z)
    g[y_true] -= 1.0
    return g


def batch_ce_grad(Z, Y_onehot):
    return softmax(Z) - Y_onehot
