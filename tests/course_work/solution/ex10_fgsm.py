# The exercises notebook's Solution code for exercise 10 (with the setup cell's sigmoid),
# adapted only to the contract's names: w and y are passed in rather than read from globals.
import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1/(1+np.exp(-x)), np.exp(x)/(1+np.exp(x)))


def logistic_loss_x(x, w, y):
    margin = y * (w @ x)
    return np.logaddexp(0.0, -margin)


def grad_x(x, w, y):
    margin = y * (w @ x)
    return -y * w * sigmoid(-margin)


def fgsm_perturbation(x, w, y, eps):
    g = grad_x(x, w, y)
    return eps * np.sign(g)
