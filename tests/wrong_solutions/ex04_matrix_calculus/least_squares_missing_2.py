# mistake: the 2 from differentiating the square is dropped: A^T (A x - b)
# fails: grad_least_squares_non_square
# diagnosis: the factor 2 is missing
import numpy as np


def grad_least_squares(A, b, x):
    A, b, x = (np.asarray(v, dtype=float) for v in (A, b, x))
    return A.T @ (A @ x - b)
