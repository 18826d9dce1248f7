"""Exercise 6: Gradient checking

Implement a general-purpose gradient checker and use it to debug three
functions: one with a correct gradient, one with a sign error, and one with a
scaling error.

(a) Implement the centred-difference numerical gradient

    g_num_i = [f(x + h e_i) - f(x - h e_i)] / (2 h),    i = 1..n,

and a checker returning the relative error between g_num and a claimed
gradient g at x:

    rel_error = ||g_num - g|| / (||g_num|| + ||g|| + eps).

Functions: `numerical_gradient(f, x, h=1e-5)` and
`gradient_check(f, grad, x, h=1e-5, eps=1e-8)`.

(b) Test the checker on f(x) = ||x||^2 = x^T x with the claimed gradients

- correct:       g = 2x,
- sign error:    g = -2x (wrong sign),
- scaling error: g = x (missing factor of 2).

The correct gradient should give rel_error < 1e-5, the wrong ones
rel_error > 1e-1. Function: `gradient_check` again.

(c) Apply the checker to the weight gradient of a two-layer network with
inputs X in R^{m x d_in}, weights W in R^{d_in x d_h}, output weights
v in R^{d_h} and targets y in R^m:

    L(W) = sum_{i=1}^{m} ((tanh(X W) v)_i - y_i)^2 = ||tanh(X W) v - y||^2,

with tanh applied element-wise. Implement grad_W L (shape d_in x d_h) and
verify that it passes the gradient check (rel_error < 1e-5).
Functions: `nn_loss(W, X, v, y)` and `nn_grad(W, X, v, y)`.

Conventions: inputs are NumPy float64 arrays (lists are accepted); scalar
answers are floats; do not modify arguments in place (perturb copies of x);
use only NumPy and the Python standard library.
"""

import numpy as np

TITLE = "Gradient checking"


def numerical_gradient(f, x, h=1e-5):
    """Centred finite-difference gradient of f at x.

    Part (a). Component i is [f(x + h e_i) - f(x - h e_i)] / (2 h).

    Args:
        f: callable taking an array shaped like x and returning a float.
        x: 1-D array of shape (n,), the point (arrays of other shapes are
            handled entry by entry in the same way).
        h: float, the step size.

    Returns:
        ndarray of the same shape as x: the numerical gradient.
        x itself is not modified.
    """
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


def gradient_check(f, grad, x, h=1e-5, eps=1e-8):
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
    g_num = numerical_gradient(f, x, h)
    grad = np.asarray(grad, dtype=float)
    return float(np.linalg.norm(g_num - grad) / (np.linalg.norm(g_num) + np.linalg.norm(grad) + eps))


def nn_loss(W, X, v, y):
    """Two-layer network loss L(W) = sum((tanh(X W) v - y)^2).

    Part (c).

    Args:
        W: array of shape (d_in, d_h), first-layer weights.
        X: array of shape (m, d_in), inputs (one per row).
        v: array of shape (d_h,), output weights.
        y: array of shape (m,), targets.

    Returns:
        float: L(W).
    """
    return float(np.sum((np.tanh(X @ W) @ v - y) ** 2))


def nn_grad(W, X, v, y):
    """Gradient of L(W) = sum((tanh(X W) v - y)^2) with respect to W.

    Part (c).

    Args:
        W: array of shape (d_in, d_h), first-layer weights.
        X: array of shape (m, d_in), inputs (one per row).
        v: array of shape (d_h,), output weights.
        y: array of shape (m,), targets.

    Returns:
        ndarray of shape (d_in, d_h), the shape of W: grad_W L.
    """
    H = np.tanh(X @ W)            # (m, d_h)
    r = H @ v - y                 # (m,)
    dZ = 2 * np.outer(r, v) * (1 - H**2)
    return X.T @ dZ
