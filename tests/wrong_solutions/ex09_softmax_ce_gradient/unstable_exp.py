# mistake: softmax as exp(z) / sum(exp(z)) without the max shift: overflows for logits like 1000
# fails: softmax_ce_loss_large_logits_feedback
# fails: softmax_ce_grad_large_logits_feedback
# diagnosis: exp of a large number overflowed
import numpy as np


def softmax_ce_loss(z, y):
    p = np.exp(z) / np.sum(np.exp(z))
    return float(-np.sum(y * np.log(p)))


def softmax_ce_grad(z, y):
    return np.exp(z) / np.sum(np.exp(z)) - y
