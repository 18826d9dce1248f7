# mistake: the minus sign of -grad f applied to the first component only
# fails: steepest_descent_is_unit_negative_gradient
# diagnosis: only component [1] is wrong (the sign is flipped)
import numpy as np


def steepest_descent_dir(x, y):
    g = grad_f(x, y)
    return np.array([-g[0], g[1]]) / np.linalg.norm(g)
