# mistake: forgot to subtract the one-hot label in ce_grad, and built the batch gradient from ce_grad
# fails: ce_grad_random_logits
# fails: ce_grad_matches_finite_differences
# inherits-hidden: batch_ce_grad_random_batches
import numpy as np


def ce_grad(z, y_true):
    return softmax(z)


def batch_ce_grad(Z, Y_onehot):
    Z = np.asarray(Z, dtype=float)
    labels = np.argmax(Y_onehot, axis=1)
    return np.array([ce_grad(Z[i], int(labels[i])) for i in range(Z.shape[0])]) / Z.shape[0]
