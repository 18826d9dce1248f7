# mistake: FGSM step computed once at the notebook's example (w = (0.8, -1.1, 0.4), y = 1, eps = 0.05)
# fails: fgsm_perturbation_random_inputs
# diagnosis: same answer for every input
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.logaddexp(0.0, -y * np.dot(w, x)))


def grad_x(x, w, y):
    m = y * np.dot(w, x)
    return -y * 0.5 * (1.0 + np.tanh(-0.5 * m)) * w


def fgsm_perturbation(x, w, y, eps):
    return np.array([-0.05, 0.05, -0.05])
