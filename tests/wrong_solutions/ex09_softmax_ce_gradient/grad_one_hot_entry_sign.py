# mistake: grad = p + y instead of p - y (the one-hot term added)
# fails: softmax_ce_grad_random_logits
# diagnosis: off by exactly 2
import numpy as np


def softmax_ce_grad(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return np.exp(_log_softmax(z)) + y
