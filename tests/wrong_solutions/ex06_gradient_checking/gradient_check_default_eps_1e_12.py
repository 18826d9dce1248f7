# mistake: gradient_check's default eps is 1e-12, not the contract's 1e-8 (feedback only: the answers are as accurate)
# fails: defaults_are_the_contracts
# diagnosis: the assignment's signature gives the default
import numpy as np


def gradient_check(f, grad, x, h=1e-5, eps=1e-12):
    """Relative error between a claimed gradient and the numerical gradient.

    Parts (a) and (b). With g_num the centred-difference gradient of f at x
    (step h):

        ||g_num - grad|| / (||g_num|| + ||grad|| + eps)

    Args:
        f: callable taking an array shaped like x and returning a float.
        grad: array shaped like x, the claimed gradient of f at x (a value,
            not a function; a callable is also accepted and evaluated at x).
        x: 1-D array of shape (n,), the point.
        h: float, the finite-difference step.
        eps: float, guards against division by zero.

    Returns:
        float: the relative error (about 1e-10 for a correct gradient,
        of order 1 for a wrong one).
    """
    x = np.asarray(x, dtype=float)
    if callable(grad):
        grad = grad(x.copy())
    g = np.asarray(grad, dtype=float).ravel()
    g_num = numerical_gradient(f, x, h).ravel()
    if g.size != g_num.size:
        raise ValueError(
            f"gradient_check: grad has {g.size} entries, x has {g_num.size}"
        )
    diff = np.linalg.norm(g_num - g)
    denom = np.linalg.norm(g_num) + np.linalg.norm(g) + eps
    return float(diff / denom)
