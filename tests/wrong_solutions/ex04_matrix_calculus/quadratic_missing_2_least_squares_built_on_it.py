# mistake: returned A x for the gradient of x^T A x, and built least squares on it
# fails: grad_quadratic_symmetric_random
# fails: grad_quadratic_matches_finite_differences
# diagnosis: factor 2
# inherits-hidden: grad_least_squares_non_square
# inherits-hidden: grad_least_squares_matches_finite_differences
import numpy as np


def grad_quadratic(A, x):
    return np.asarray(A, dtype=float) @ np.asarray(x, dtype=float)


def grad_least_squares(A, b, x):
    A = np.asarray(A, dtype=float)
    return grad_quadratic(A.T @ A, x) - 2 * grad_linear(A.T @ np.asarray(b, dtype=float), x)
