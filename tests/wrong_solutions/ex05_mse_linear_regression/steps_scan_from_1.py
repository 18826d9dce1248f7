# mistake: the scan for the first loss within tol starts at index 1, so losses[0] is never considered
# fails: steps_to_tolerance_edge_cases
# diagnosis: wrong only where the right answer is 0
import numpy as np


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    losses = np.asarray(losses, dtype=float).ravel()
    for k in range(1, losses.size):
        if losses[k] - loss_star <= tol:
            return k
    return int(losses.size)
