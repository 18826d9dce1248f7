# mistake: returned A x for the gradient of x^T A x
# fails: grad_quadratic_symmetric_random
# fails: grad_quadratic_matches_finite_differences
# diagnosis: factor 2
import numpy as np


def grad_quadratic(A, x):
    """Gradient of f(x) = x^T A x with respect to x.

    Part (b). The exercise states a symmetric A; for a non-symmetric A the
    general formula (A + A^T) x applies.

    Args:
        A: array of shape (n, n).
        x: array of shape (n,).

    Returns:
        ndarray of shape (n,): grad_x (x^T A x) at x.
    """
    A = np.asarray(A, dtype=float)
    x = np.asarray(x, dtype=float)
    return A @ x
