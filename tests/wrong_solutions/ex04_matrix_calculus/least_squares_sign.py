# mistake: wrote 2 A^T (b - A x)
# fails: grad_least_squares_non_square
# fails: grad_least_squares_matches_finite_differences
# diagnosis: sign flipped
import numpy as np


def grad_least_squares(A, b, x):
    """Gradient of f(x) = ||A x - b||^2 with respect to x.

    Part (c).

    Args:
        A: array of shape (m, n).
        b: array of shape (m,).
        x: array of shape (n,).

    Returns:
        ndarray of shape (n,): grad_x ||A x - b||^2 at x.
    """
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    x = np.asarray(x, dtype=float)
    return 2.0 * (A.T @ (b - A @ x))
