# mistake: grad_f forgets the x of the xy term in df/dy; the callers are right and call it
# fails: grad_f_matches_reference
# fails: grad_f_matches_finite_differences
# inherits: level_curve_tangent_is_unit_and_perpendicular
# inherits: steepest_descent_is_unit_negative_gradient
# diagnosis: expected
import numpy as np


def grad_f(x, y):
    return np.array([2.0 * x + y, 2.0 * y])
