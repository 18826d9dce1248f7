# mistake: only dp_i/dz_i = p_i (1 - p_i) computed; the cross terms -p_i p_j are left out
# fails: softmax_jacobian_random_logits
# diagnosis: the off-diagonal entries -p_i p_j are missing
import numpy as np


def softmax_jacobian(z):
    p = softmax(z)
    return np.diag(p * (1.0 - p))
