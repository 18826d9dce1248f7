# mistake: mixed_partial_fd always steps by 1e-4, whatever h it is given
# fails: mixed_partial_fd_matches_reference
# diagnosis: h is not used
# passes: mixed_partial_fd_default_h_near_exact
import numpy as np


def mixed_partial_fd(f, x, y, h=1e-4):
    """Centred four-point estimate of d^2f/(dx dy), with the step fixed where it should be h."""
    step = 1e-4
    num = f(x + step, y + step) - f(x + step, y - step) - f(x - step, y + step) + f(x - step, y - step)
    return float(num / (4.0 * step * step))
