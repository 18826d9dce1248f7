# mistake: grad_x takes the gradient with respect to the weights w, not the input x; fgsm_perturbation is right and calls it
# fails: grad_x_random_inputs
# diagnosis: gradient with respect to w
# inherits: fgsm_perturbation_random_inputs
# inherits: fgsm_perturbation_beats_random_perturbations
import math

import numpy as np


def grad_x(x, w, y):
    x = np.asarray(x, dtype=float)
    margin = float(y) * float(np.dot(w, x))
    return -float(y) * _sigmoid(-margin) * x
