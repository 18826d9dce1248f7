# mistake: the tolerance argument is ignored, 1e-4 is hard-coded in the comparison
# fails: steps_to_tolerance_on_descent_curves
# diagnosis: tol is not used
import numpy as np


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    losses = np.asarray(losses, dtype=float).ravel()
    hits = np.flatnonzero(losses - float(loss_star) <= 1e-4)
    return int(hits[0]) if hits.size else int(losses.size)
