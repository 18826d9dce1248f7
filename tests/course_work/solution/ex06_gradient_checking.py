# The exercises notebook's Solution code for exercise 6, adapted only to the contract's names.
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in range(len(x)):
        ei = np.zeros_like(x, dtype=float); ei[i] = 1.0
        grad[i] = (f(x + h*ei) - f(x - h*ei)) / (2*h)
    return grad


def gradient_check(f, grad_f_val, x, h=1e-5, eps=1e-8):
    num_grad = numerical_gradient(f, x, h)
    analytic = np.asarray(grad_f_val, dtype=float)
    diff = np.linalg.norm(num_grad - analytic)
    denom = np.linalg.norm(num_grad) + np.linalg.norm(analytic) + eps
    return diff / denom


# The notebook's f_nn and grad_nn, with the data passed in rather than read from globals.
def nn_loss(W, X_nn, v, y_nn):
    H = np.tanh(X_nn @ W)
    return np.sum((H @ v - y_nn)**2)


def nn_grad(W, X_nn, v, y_nn):
    H = np.tanh(X_nn @ W)
    delta = 2 * (H @ v - y_nn)  # (m,)
    dH = delta[:, None] * v[None, :]  # (m, d_h)
    dW = X_nn.T @ (dH * (1 - H**2))  # (d_in, d_h)
    return dW
