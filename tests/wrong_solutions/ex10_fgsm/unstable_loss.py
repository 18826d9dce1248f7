# mistake: loss computed literally as log(1 + exp(-m)): exp overflows to inf for margins below -709
# fails: logistic_loss_x_large_margins
# diagnosis: np.logaddexp(0, -m)
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.log(1 + np.exp(-y * np.dot(w, x))))


def grad_x(x, w, y):
    m = y * np.dot(w, x)
    if m >= 0:
        s = np.exp(-m) / (1 + np.exp(-m))
    else:
        s = 1 / (1 + np.exp(m))
    return -y * s * w


def fgsm_perturbation(x, w, y, eps):
    return eps * np.sign(grad_x(x, w, y))
