# mistake: returned -1 when no entry gets within tol
# fails: steps_to_tolerance_edge_cases
# diagnosis: not -1
import numpy as np


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    """Number of steps needed to come within tol of the optimal loss.

    Part (d).

    Args:
        losses: 1-D array (or list) of losses, losses[k] being the loss after
            k steps (as returned by gradient_descent_lr).
        loss_star: float, the optimal loss L*.
        tol: float, the tolerance.

    Returns:
        int: the first index k with losses[k] - loss_star <= tol, or
        len(losses) if there is none.
    """
    losses = np.asarray(losses, dtype=float).ravel()
    hits = np.flatnonzero(losses - float(loss_star) <= tol)
    return int(hits[0]) if hits.size else -1
