# mistake: wrote (df/dy, df/dx) instead of (df/dx, df/dy)
# fails: grad_f_matches_reference
# diagnosis: components swapped
import numpy as np


def grad_f(x, y):
    return np.array([x + 2 * y, 2 * x + y])


def level_curve_tangent(x, y):
    g = np.array([2 * x + y, x + 2 * y])
    return np.array([-g[1], g[0]]) / np.linalg.norm(g)


def steepest_descent_dir(x, y):
    g = np.array([2 * x + y, x + 2 * y])
    return -g / np.linalg.norm(g)
