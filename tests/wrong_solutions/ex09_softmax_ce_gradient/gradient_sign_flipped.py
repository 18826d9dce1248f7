# mistake: gradient written as y - p
# fails: softmax_ce_grad_random_logits
# fails: softmax_ce_grad_matches_finite_differences
# fails: softmax_ce_grad_large_logits_feedback
# diagnosis: sign flipped
import numpy as np


def softmax_ce_loss(z, y):
    return float(-np.sum(y * _log_softmax(np.asarray(z, dtype=float))))


def softmax_ce_grad(z, y):
    return y - np.exp(_log_softmax(np.asarray(z, dtype=float)))
