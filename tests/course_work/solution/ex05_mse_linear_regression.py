# The exercises notebook's Solution code for exercise 5, adapted only to the contract's names.
import numpy as np


def mse_loss(X, y, w):
    return np.mean((X @ w - y)**2)


def mse_grad(X, y, w):
    m = len(y)
    return (2 / m) * X.T @ (X @ w - y)


def gradient_descent_lr(X, y, w0, lr, n_steps):
    m = len(y)
    w = w0.copy()
    losses = []
    for _ in range(n_steps):
        loss = np.mean((X @ w - y)**2)
        losses.append(loss)
        w -= lr * mse_grad(X, y, w)
    losses.append(np.mean((X @ w - y)**2))
    return w, losses


def ols_solution(X, y):
    return np.linalg.solve(X.T @ X, X.T @ y)


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    losses_arr = np.array(losses)
    return np.searchsorted(-(losses_arr - loss_star), -tol)
