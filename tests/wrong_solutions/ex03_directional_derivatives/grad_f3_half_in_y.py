# mistake: differentiated exp(x^2 + y^2) in y as y exp(...) (the 2 from y^2 dropped in one component)
# fails: grad_f3_random_points
# diagnosis: only component [1] is wrong (1/2 times the right value)
import numpy as np


def grad_f3(p):
    p = np.asarray(p, dtype=float)
    e = np.exp(p[0] ** 2 + p[1] ** 2)
    return np.array([2.0 * e * p[0], e * p[1]])
