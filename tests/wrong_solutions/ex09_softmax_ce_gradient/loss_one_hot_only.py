# mistake: the loss takes -log p at the index of the label's largest entry, right only for one-hot labels
# fails: softmax_ce_loss_random_logits
# diagnosis: only uses the largest entry of y
import numpy as np


def softmax_ce_loss(z, y):
    return float(-_log_softmax(np.asarray(z, dtype=float))[np.argmax(y)])


def softmax_ce_grad(z, y):
    return np.exp(_log_softmax(np.asarray(z, dtype=float))) - y
