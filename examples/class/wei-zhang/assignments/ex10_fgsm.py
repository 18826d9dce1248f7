"""Exercise 10: FGSM direction as steepest loss increase

For a linear classifier with weights w in R^d, an input x in R^d and a label
y in {-1, +1}, the logistic loss as a function of the input is

    l(x) = log(1 + exp(-y w^T x)),

where m = y w^T x is the margin. Compute the input gradient grad_x l(x), and
show that the fastest first-order increase of the loss under an l-infinity
perturbation ||delta||_inf <= eps uses the fast gradient sign method (FGSM)
step

    delta = eps * sign(grad_x l(x)).

Check it numerically, e.g. with w = (0.8, -1.1, 0.4), x = (0.2, 0.5, -0.7),
y = 1 and eps = 0.05: the FGSM step should increase the loss at least as much
as any of a few thousand random perturbations drawn uniformly from
[-eps, eps]^d. Evaluate the loss and gradient stably for large margins
(|m| around 1000): log(1 + e^t) = logaddexp(0, t), and compute the sigmoid
sigma(t) = 1 / (1 + e^{-t}) without overflowing e^{-t}.
Functions: `logistic_loss_x(x, w, y)`, `grad_x(x, w, y)` and
`fgsm_perturbation(x, w, y, eps)`.

This exercise has no lettered parts.

Conventions: x and w are NumPy float64 arrays of shape (d,) (lists are
accepted), y is -1.0 or +1.0 and eps > 0; the loss is a float; do not modify
arguments in place; use only NumPy and the Python standard library.
"""

import numpy as np  # noqa: F401

TITLE = "FGSM direction as steepest loss increase"


def logistic_loss_x(x, w, y):
    """Logistic loss l(x) = log(1 + exp(-y w^T x)) as a function of the input.

    Stable for large margins |y w^T x| (e.g. 1000).

    Args:
        x: array of shape (d,), the input.
        w: array of shape (d,), the classifier weights.
        y: float, the label, -1 or +1.

    Returns:
        float: l(x).
    """
    raise NotImplementedError("logistic_loss_x: not implemented yet")


def grad_x(x, w, y):
    """Gradient of l(x) = log(1 + exp(-y w^T x)) with respect to the input x.

    Stable (no overflow) for large margins |y w^T x| (e.g. 1000).

    Args:
        x: array of shape (d,), the input.
        w: array of shape (d,), the classifier weights.
        y: float, the label, -1 or +1.

    Returns:
        ndarray of shape (d,): grad_x l(x).
    """
    raise NotImplementedError("grad_x: not implemented yet")


def fgsm_perturbation(x, w, y, eps):
    """FGSM perturbation: the l-infinity steepest-ascent step of size eps.

    delta = eps * sign(grad_x l(x)) for l(x) = log(1 + exp(-y w^T x)).

    Args:
        x: array of shape (d,), the input.
        w: array of shape (d,), the classifier weights.
        y: float, the label, -1 or +1.
        eps: float, the l-infinity budget (eps > 0).

    Returns:
        ndarray of shape (d,): the perturbation delta (not x + delta).
    """
    raise NotImplementedError("fgsm_perturbation: not implemented yet")
