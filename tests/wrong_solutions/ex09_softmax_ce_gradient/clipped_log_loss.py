# mistake: the notebook's loss, -sum(y log(p + 1e-12)): wrong for very confident wrong predictions
# fails: softmax_ce_loss_large_logits_feedback
# diagnosis: clipping
import numpy as np


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax_ce_loss(z, y):
    p = softmax(z)
    return -np.sum(y * np.log(p + 1e-12))


def softmax_ce_grad(z, y):
    return softmax(z) - y
