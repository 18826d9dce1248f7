# mistake: dropped the label y from the gradient (right only when y = +1)
# fails: grad_x_random_inputs
# fails: grad_x_large_margins_feedback
# diagnosis: the label y is missing
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.logaddexp(0.0, -y * np.dot(w, x)))


def grad_x(x, w, y):
    t = -np.dot(w, x)
    s = 0.5 * (1.0 + np.tanh(0.5 * t))
    return -s * w


def fgsm_perturbation(x, w, y, eps):
    return eps * np.sign(-y * w)
