# mistake: returned the steepest ascent direction +grad f / ||grad f||
# fails: steepest_descent_is_unit_negative_gradient
# diagnosis: sign flipped
import numpy as np


def grad_f(x, y):
    return np.array([2 * x + y, x + 2 * y])


def level_curve_tangent(x, y):
    g = grad_f(x, y)
    return np.array([-g[1], g[0]]) / np.linalg.norm(g)


def steepest_descent_dir(x, y):
    g = grad_f(x, y)
    return g / np.linalg.norm(g)
