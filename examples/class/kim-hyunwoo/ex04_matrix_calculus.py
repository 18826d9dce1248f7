"""Exercise 4: Matrix calculus from first principles

Prove the following gradient identities (e.g. in index notation, from
df/dx_k = lim_{h -> 0} [f(x + h e_k) - f(x)] / h) and verify each one
numerically with centred finite differences at a random point.

(a) For the linear function f(x) = a^T x with fixed a in R^n, prove

    grad_x (a^T x) = a.

Function: `grad_linear(a, x)`.

(b) For the quadratic form f(x) = x^T A x with a fixed symmetric A in R^{n x n},
prove

    grad_x (x^T A x) = 2 A x.

(For a general, non-symmetric A the gradient is (A + A^T) x.)
Function: `grad_quadratic(A, x)`.

(c) For the least-squares objective f(x) = ||A x - b||^2 with A in R^{m x n}
and b in R^m, prove

    grad_x ||A x - b||^2 = 2 A^T (A x - b).

Function: `grad_least_squares(A, b, x)`.

(d) For the trace function f(X) = tr(A X) with A in R^{n x m} and
X in R^{m x n}, show that df/dX_ij = A_ji, so that

    grad_X tr(A X) = A^T    (an m x n matrix, the shape of X).

Function: `grad_trace(A, X)`.

Conventions: inputs are NumPy float64 arrays (lists are accepted); every
gradient has the shape of the variable it is taken with respect to; do not
modify arguments in place; use only NumPy and the Python standard library.
"""

import numpy as np  # noqa: F401

TITLE = "Matrix calculus from first principles"


def grad_linear(a, x):
    """Gradient of f(x) = a^T x with respect to x.

    Part (a).

    Args:
        a: array of shape (n,), fixed.
        x: array of shape (n,), the point.

    Returns:
        ndarray of shape (n,): grad_x (a^T x) at x (a new array, not a itself).
    """
    raise NotImplementedError("grad_linear: not implemented yet")


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
    raise NotImplementedError("grad_quadratic: not implemented yet")


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
    raise NotImplementedError("grad_least_squares: not implemented yet")


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
    raise NotImplementedError("grad_trace: not implemented yet")
