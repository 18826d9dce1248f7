# mistake: the notebook's ce_loss, -log(p_y + 1e-15): wrong for very confident wrong predictions
# fails: ce_loss_confident_wrong_prediction_feedback
# diagnosis: clipping
import numpy as np


def softmax(z):
    z_shifted = z - z.max()
    e = np.exp(z_shifted)
    return e / e.sum()


def ce_loss(z, y_true):
    p = softmax(z)
    return -np.log(p[y_true] + 1e-15)


def ce_grad(z, y_true):
    p = softmax(z)
    g = p.copy()
    g[y_true] -= 1.0
    return g


def batch_ce_grad(Z, Y_onehot):
    P = np.array([softmax(row) for row in Z])
    return (P - Y_onehot) / Z.shape[0]
