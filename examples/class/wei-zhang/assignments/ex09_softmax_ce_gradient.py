"""Exercise 9: Softmax cross-entropy gradient

For logits z in R^K, probabilities p = softmax(z), p_k = e^{z_k} / sum_j e^{z_j},
and a one-hot label y in R^K (more generally a probability vector: y_k >= 0,
sum_k y_k = 1), the cross-entropy loss is

    L(z) = -sum_{k=1}^{K} y_k log p_k.

Derive grad_z L and verify it numerically with centred finite differences,
e.g. at z = (1.2, -0.3, 0.7, 2.0) with y = (0, 0, 0, 1). Implement the loss in
a numerically stable way: use log p_k = z_k - log sum_j e^{z_j} with the
log-sum-exp trick (subtract max_j z_j first), so that the loss and gradient
stay finite and accurate for logits like 1000 or -1000.
Functions: `softmax_ce_loss(z, y)` and `softmax_ce_grad(z, y)`.

This exercise has no lettered parts.

Conventions: inputs are NumPy float64 arrays of shape (K,) (lists are
accepted); the loss is a float; do not modify arguments in place; use only
NumPy and the Python standard library.
"""

import numpy as np  # noqa: F401

TITLE = "Softmax cross-entropy gradient"


def softmax_ce_loss(z, y):
    """Softmax cross-entropy loss L(z) = -sum_k y_k log softmax(z)_k.

    Stable for large logits (via log-softmax and the log-sum-exp trick).

    Args:
        z: array of shape (K,), logits.
        y: array of shape (K,), a one-hot label or a probability vector
            (non-negative entries summing to 1).

    Returns:
        float: L(z).
    """
    raise NotImplementedError("softmax_ce_loss: not implemented yet")


def softmax_ce_grad(z, y):
    """Gradient of the softmax cross-entropy loss with respect to z.

    For y summing to 1 (one-hot or probability vector) the gradient is p - y
    with p = softmax(z).

    Args:
        z: array of shape (K,), logits.
        y: array of shape (K,), a one-hot label or a probability vector
            (non-negative entries summing to 1).

    Returns:
        ndarray of shape (K,): grad_z L.
    """
    raise NotImplementedError("softmax_ce_grad: not implemented yet")
