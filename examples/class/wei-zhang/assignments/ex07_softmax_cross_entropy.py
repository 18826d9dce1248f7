"""Exercise 7: Softmax gradient and cross-entropy

The softmax function maps logits z in R^K to probabilities p in R^K:

    p_i = softmax(z)_i = e^{z_i} / sum_{j=1}^{K} e^{z_j}.

(a) Derive the Jacobian of softmax, dp_i/dz_j = p_i (delta_ij - p_j), where
delta_ij is the Kronecker delta. In matrix form:

    J = diag(p) - p p^T    (a K x K matrix).

Function: `softmax_jacobian(z)`.

(b) The cross-entropy loss for the true label y (an index 0..K-1) is
L = -log p_y. Show that

    grad_z L = p - e_y,

where e_y is the one-hot vector of the label y. Functions: `ce_loss(z, y_true)`
and `ce_grad(z, y_true)`.

(c) Implement a numerically stable softmax using the log-sum-exp trick
(softmax(z) = softmax(z - c) for any constant c, and with M = max_j z_j,
log sum_j e^{z_j} = M + log sum_j e^{z_j - M}); it must stay finite and
accurate for logits like 1000 or -1000. Verify your gradients with gradient
checking. Function: `softmax(z)`.

(d) For a batch of m examples with logit matrix Z in R^{m x K} (one example
per row) and one-hot label matrix Y in R^{m x K}, the mean cross-entropy is
L = (1/m) sum_i -log P_{i, y_i}, with P the row-wise softmax of Z. Show that

    grad_Z L = (P - Y) / m.

Function: `batch_ce_grad(Z, Y_onehot)`.

Conventions: inputs are NumPy float64 arrays (lists are accepted), labels are
Python ints; scalar answers are floats; do not modify arguments in place; use
only NumPy and the Python standard library.
"""

import numpy as np  # noqa: F401

TITLE = "Softmax gradient and cross-entropy"


def softmax(z):
    """Numerically stable softmax of a logit vector.

    Part (c). p_i = e^{z_i} / sum_j e^{z_j}, computed after subtracting
    max_j z_j so that it stays finite for logits like 1000 or -1000.

    Args:
        z: array of shape (K,), logits.

    Returns:
        ndarray of shape (K,): probabilities (non-negative, summing to 1).
    """
    raise NotImplementedError("softmax: not implemented yet")


def softmax_jacobian(z):
    """Jacobian of softmax at z: J_ij = dp_i/dz_j.

    Part (a). J = diag(p) - p p^T with p = softmax(z).

    Args:
        z: array of shape (K,), logits.

    Returns:
        ndarray of shape (K, K): the Jacobian.
    """
    raise NotImplementedError("softmax_jacobian: not implemented yet")


def ce_loss(z, y_true):
    """Cross-entropy loss -log softmax(z)[y_true].

    Part (b). Must stay finite and accurate for large logits (compute it as
    log sum_j e^{z_j} - z_{y_true} with the log-sum-exp trick rather than
    taking the log of a probability that may round to 0).

    Args:
        z: array of shape (K,), logits.
        y_true: int, the index of the true class (0 <= y_true < K).

    Returns:
        float: the loss.
    """
    raise NotImplementedError("ce_loss: not implemented yet")


def ce_grad(z, y_true):
    """Gradient of the cross-entropy loss with respect to the logits.

    Part (b). grad_z L = p - e_y, with p = softmax(z) and e_y the one-hot
    vector of y_true.

    Args:
        z: array of shape (K,), logits.
        y_true: int, the index of the true class (0 <= y_true < K).

    Returns:
        ndarray of shape (K,): grad_z L.
    """
    raise NotImplementedError("ce_grad: not implemented yet")


def batch_ce_grad(Z, Y_onehot):
    """Gradient of the mean cross-entropy over a batch with respect to Z.

    Part (d). grad_Z L = (P - Y) / m, with P the row-wise softmax of Z.

    Args:
        Z: array of shape (m, K), logits (one example per row).
        Y_onehot: array of shape (m, K), one-hot labels (one per row).

    Returns:
        ndarray of shape (m, K): grad_Z L.
    """
    raise NotImplementedError("batch_ce_grad: not implemented yet")
