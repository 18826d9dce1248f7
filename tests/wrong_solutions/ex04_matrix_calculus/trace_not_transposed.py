# mistake: returned A instead of A^T for the gradient of tr(A X)
# fails: grad_trace_non_square
# fails: grad_trace_matches_finite_differences
# diagnosis: transposed
import numpy as np


def grad_trace(A, X):
    """Gradient of f(X) = tr(A X) with respect to the matrix X.

    Part (d).

    Args:
        A: array of shape (n, m), fixed.
        X: array of shape (m, n), the point.

    Returns:
        ndarray of shape (m, n), the shape of X: the matrix of partials
        df/dX_ij.
    """
    A = np.asarray(A, dtype=float)
    return np.array(A, dtype=float, copy=True)
