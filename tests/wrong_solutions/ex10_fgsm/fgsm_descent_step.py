# mistake: FGSM step along -sign(grad): steepest descent, which lowers the loss
# fails: fgsm_perturbation_random_inputs
# fails: fgsm_perturbation_beats_random_perturbations
# diagnosis: steepest descent
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.logaddexp(0.0, -y * np.dot(w, x)))


def grad_x(x, w, y):
    m = y * np.dot(w, x)
    s = 0.5 * (1.0 + np.tanh(-0.5 * m))
    return -y * s * w


def fgsm_perturbation(x, w, y, eps):
    return -eps * np.sign(grad_x(x, w, y))
