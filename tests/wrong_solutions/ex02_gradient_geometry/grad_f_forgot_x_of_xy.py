# mistake: df/dy of the x y term written as y instead of x (the x of the xy term forgotten)
# fails: grad_f_matches_reference
# diagnosis: only component [1] is wrong
import numpy as np


def grad_f(x, y):
    x, y = float(x), float(y)
    return np.array([2.0 * x + y, y + 2.0 * y])
