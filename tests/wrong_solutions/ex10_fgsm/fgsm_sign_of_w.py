# mistake: FGSM written as eps * sign(w), the gradient's factor -y sigma(-m) taken as positive
# fails: fgsm_perturbation_random_inputs
# diagnosis: wrong only where y = 1
import numpy as np


def fgsm_perturbation(x, w, y, eps):
    return float(eps) * np.sign(np.asarray(w, dtype=float))
