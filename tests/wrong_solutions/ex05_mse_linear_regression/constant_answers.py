# mistake: every function returns a fixed answer, whatever its data
# fails: gradient_descent_lr_leaves_w0_unchanged
# diagnosis: answer is wrong
import numpy as np


def mse_loss(X, y, w):
    return 0.01


def mse_grad(X, y, w):
    return np.zeros(5)


def gradient_descent_lr(X, y, w0, lr, n_steps):
    return np.array([1.0, -2.0, 0.5, 3.0, -1.0]), [0.01] * (n_steps + 1)


def ols_solution(X, y):
    return np.array([1.0, -2.0, 0.5, 3.0, -1.0])


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    return 42
