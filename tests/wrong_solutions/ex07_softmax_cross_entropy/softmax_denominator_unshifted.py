# mistake: softmax shifts the numerator by max(z) but not the denominator; the functions calling it are right
# fails: softmax_random_logits
# diagnosis: expected
# inherits: softmax_jacobian_random_logits
# inherits: softmax_jacobian_matches_finite_differences
# inherits: ce_grad_random_logits
# inherits: ce_grad_matches_finite_differences
# inherits: batch_ce_grad_random_batches
import numpy as np


def softmax(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z - np.max(z)) / np.sum(np.exp(z))
