# The exercises notebook's Solution code for exercise 2, adapted only to the contract's names.
import numpy as np
import numpy.linalg as la


def grad_f(x, y):
    return np.array([2*x + y, x + 2*y])


def steepest_descent_dir(x, y):
    g = grad_f(x, y)
    return -g / la.norm(g)


# The notebook's tangent: the gradient rotated by 90 degrees, normalised.
def level_curve_tangent(x, y):
    g = grad_f(x, y)
    tangent = np.array([-g[1], g[0]])  # rotate grad by 90 degrees
    tangent /= la.norm(tangent)
    return tangent
