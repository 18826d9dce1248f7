# mistake: every function returns a fixed answer, whatever f and x are
# fails: numerical_gradient_leaves_x_unchanged
# diagnosis: answer is wrong
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    return np.zeros(5)


def gradient_check(f, grad, x, h=1e-5, eps=1e-8):
    return 1e-10


def nn_loss(W, X, v, y):
    return 1.0


def nn_grad(W, X, v, y):
    return np.zeros((4, 6))
