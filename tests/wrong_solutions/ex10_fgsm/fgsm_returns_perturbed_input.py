# mistake: returns the adversarial example x + delta instead of the perturbation delta
# fails: fgsm_perturbation_random_inputs
# fails: fgsm_perturbation_beats_random_perturbations
# diagnosis: not the perturbed input x + delta
import numpy as np


def logistic_loss_x(x, w, y):
    return float(np.logaddexp(0.0, -y * np.dot(w, x)))


def grad_x(x, w, y):
    m = y * np.dot(w, x)
    return -y * 0.5 * (1.0 + np.tanh(-0.5 * m)) * w


def fgsm_perturbation(x, w, y, eps):
    return x + eps * np.sign(grad_x(x, w, y))
