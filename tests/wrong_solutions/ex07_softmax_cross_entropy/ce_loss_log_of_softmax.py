# mistake: -log(softmax(z)[y]) with a stable softmax: the true class's probability rounds to 0 at large logits
# fails: ce_loss_large_logits
# diagnosis: the log of a probability that rounded to 0
import numpy as np


def ce_loss(z, y_true):
    return float(-np.log(softmax(z)[int(y_true)]))
