# mistake: numerical_gradient names its step `step`, and gradient_check passes h=h: every check raises
# fails: gradient_check_random_claims
# fails: gradient_check_flags_sign_and_scale_errors
# passes: numerical_gradient_matches_reference
# passes: numerical_gradient_near_exact_gradient
# diagnosis: TypeError
import numpy as np


def numerical_gradient(f, x, step=1e-5):
    x = np.array(x, dtype=float, copy=True)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += step
        xm[idx] -= step
        grad[idx] = (f(xp) - f(xm)) / (2.0 * step)
    return grad


def gradient_check(f, grad, x, h=1e-5, eps=1e-8):
    x = np.asarray(x, dtype=float)
    g = np.asarray(grad(x.copy()) if callable(grad) else grad, dtype=float).ravel()
    g_num = numerical_gradient(f, x, h=h).ravel()
    return float(np.linalg.norm(g_num - g) / (np.linalg.norm(g_num) + np.linalg.norm(g) + eps))
