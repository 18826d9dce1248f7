# mistake: the loop over the components starts at 1, so the first component is never computed
# fails: grad_norm_sq_random_vectors
# diagnosis: only component [0] is wrong (left at 0
import numpy as np


def grad_norm_sq(w):
    w = np.asarray(w, dtype=float)
    g = np.zeros_like(w)
    for i in range(1, len(w)):
        g[i] = 2.0 * w[i]
    return g
