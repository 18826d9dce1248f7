# mistake: steps_to_tolerance's default is tol=1e-3, not the contract's 1e-4 (feedback only: the default is beyond the points)
# fails: steps_to_tolerance_default_tol_is_the_contracts
# diagnosis: the assignment's signature gives the default tol=0.0001
# passes: steps_to_tolerance_on_descent_curves
# passes: steps_to_tolerance_edge_cases
import numpy as np


def steps_to_tolerance(losses, loss_star, tol=1e-3):
    losses = np.asarray(losses, dtype=float).ravel()
    hits = np.flatnonzero(losses - float(loss_star) <= tol)
    return int(hits[0]) if hits.size else int(losses.size)
