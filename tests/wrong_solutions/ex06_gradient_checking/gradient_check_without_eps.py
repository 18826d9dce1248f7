# mistake: the eps argument is ignored: the relative error divides by ||g_num|| + ||g|| alone
# fails: gradient_check_random_claims
# diagnosis: eps is given (0.5)
import numpy as np


def gradient_check(f, grad, x, h=1e-5, eps=1e-8):
    x = np.asarray(x, dtype=float)
    if callable(grad):
        grad = grad(x.copy())
    g = np.asarray(grad, dtype=float).ravel()
    g_num = numerical_gradient(f, x, h).ravel()
    return float(np.linalg.norm(g_num - g) / (np.linalg.norm(g_num) + np.linalg.norm(g)))
