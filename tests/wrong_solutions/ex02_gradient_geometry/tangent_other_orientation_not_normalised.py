# mistake: rotated the gradient by -90 degrees (the other right orientation) but forgot to divide by its norm
# fails: level_curve_tangent_is_unit_and_perpendicular
# diagnosis: not unit length
import numpy as np


def grad_f(x, y):
    return np.array([2 * x + y, x + 2 * y])


def level_curve_tangent(x, y):
    g = grad_f(x, y)
    return np.array([g[1], -g[0]])


def steepest_descent_dir(x, y):
    g = grad_f(x, y)
    return -g / np.linalg.norm(g)
