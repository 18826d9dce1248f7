# mistake: sigma(-m) written as exp(-m) / (1 + exp(-m)): inf / inf = NaN for margins below -709
# fails: grad_x_large_margins_feedback
# diagnosis: exp of a large number overflowed
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.logaddexp(0.0, -y * np.dot(w, x)))


def grad_x(x, w, y):
    e = np.exp(-y * np.dot(w, x))
    return -y * e / (1 + e) * w


def fgsm_perturbation(x, w, y, eps):
    return eps * np.sign(grad_x(x, w, y))
