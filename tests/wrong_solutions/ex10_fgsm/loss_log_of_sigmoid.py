# mistake: the loss computed as -log(sigmoid(m)) with an overflow-free sigmoid: sigmoid(m) rounds to 0 for m < -745
# fails: logistic_loss_x_large_margins
# diagnosis: np.logaddexp(0, -m)
import numpy as np


def logistic_loss_x(x, w, y):
    m = float(y) * float(np.dot(np.asarray(w, dtype=float), np.asarray(x, dtype=float)))
    return float(-np.log(_sigmoid(m)))
