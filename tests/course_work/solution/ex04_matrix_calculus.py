# The exercises notebook's Solution code for exercise 4, adapted only to the contract's names.
import numpy as np


def grad_linear(a, x): return a
def grad_quadratic(A, x): return 2 * A @ x
def grad_least_squares(A, b, x): return 2 * A.T @ (A @ x - b)


# (d) grad_X tr(AX) = A^T
def grad_trace(A2, X2): return A2.T
