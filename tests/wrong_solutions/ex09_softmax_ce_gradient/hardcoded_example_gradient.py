# mistake: returns the gradient computed once at the notebook's example z = (1.2, -0.3, 0.7, 2.0), y = e_4
# fails: softmax_ce_grad_random_logits
# diagnosis: same answer for every input
import numpy as np


def softmax_ce_loss(z, y):
    z = np.asarray(z, dtype=float)
    log_p = z - np.max(z) - np.log(np.sum(np.exp(z - np.max(z))))
    return float(-np.sum(y * log_p))


def softmax_ce_grad(z, y):
    return np.array([0.24659686, 0.0550232, 0.14956855, -0.45118861])
