# mistake: numerical_gradient ends its own process (os._exit) instead of returning the gradient
# fails: numerical_gradient_matches_reference
# fails: numerical_gradient_near_exact_gradient
# diagnosis: the process running your code exited with status 3
# inherits: gradient_check_random_claims
# inherits: gradient_check_flags_sign_and_scale_errors
# passes: nn_loss_random_networks
# passes: nn_grad_random_networks
# passes: nn_grad_matches_finite_differences
import os


def numerical_gradient(f, x, h=1e-5):
    """Centred finite-difference gradient of f at x, with a leftover exit from debugging."""
    os._exit(3)
