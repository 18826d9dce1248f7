"""Checks for exercise 10, FGSM: logistic_loss_x, grad_x, fgsm_perturbation. 10 points.

The contract gives this exercise no lettered parts: part "a" is the loss logistic_loss_x, part "b" the
input gradient grad_x and part "c" the FGSM step fgsm_perturbation. Labels y are -1.0 and +1.0 and the
weights have no zero component (so sign(grad) is never a sign of 0). Margins m = y w^T x of +-700 to
+-2000 are graded for the loss, which the contract asks to be stable: log(1 + exp(-m)) overflows to inf
for m < -709.78. For the gradient (exp(-m) / (1 + exp(-m)) gives NaN) they are feedback only (0 points):
the contract does not ask it. fgsm_perturbation is compared exactly up to rounding (rtol 1e-12, as
eps * g / |g| may differ from eps * sign(g) in the last bit), at moderate margins; a descent step
-eps * sign(grad) is named as such. A second FGSM check, in any dimension d, verifies what the notebook
verifies: the step stays in the eps-box and raises the loss at least as much as 2000 random perturbations
from that box (for this loss the FGSM step is exactly optimal).
"""

import math

import numpy as np

from grader.checking.checks import (
    FINITE_DIFFERENCE_SMALL,
    FLOAT32_RTOL,
    CheckFailed,
    Tolerance,
    as_array,
    check,
    compare_calls,
    format_value,
    gradient_by_finite_differences,
    is_float32,
)

LOSS = Tolerance(rtol=1e-9, atol=1e-12)  # a log of a sigmoid, computed stably
GRADIENT = Tolerance(rtol=1e-8, atol=1e-12)  # a sigmoid times a vector
PERTURBATION = Tolerance(rtol=1e-12, atol=0.0)  # eps times a sign: exact up to one rounding


# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {"fgsm_perturbation": ("grad_x",)}

NOTEBOOK_D = 3  # the notebook's example has d = 3: the FGSM check uses it so a hard-coded answer has the right shape


def random_weights(rng, d):
    """Weights with |w_i| in [0.1, 2]: every component of the gradient is non-zero."""
    return rng.choice([-1.0, 1.0], d) * rng.uniform(0.1, 2.0, d)


def random_cases(rng, n=6, d=None):
    """(x, w, y) with d = 2..6 (or d), moderate margins and both labels."""
    cases = []
    for i in range(n):
        size = d or int(rng.integers(2, 7))
        y = 1.0 if i % 2 == 0 else -1.0
        cases.append((rng.uniform(-2.0, 2.0, size), random_weights(rng, size), y))
    return cases


def with_margin(rng, margin, y):
    """(x, w, y) with y w^T x = margin exactly up to rounding: x is shifted along w."""
    d = int(rng.integers(2, 6))
    w = random_weights(rng, d)
    x0 = rng.uniform(-2.0, 2.0, d)
    x = x0 + (margin / y - w @ x0) / (w @ w) * w
    return (x, w, y)


def large_margin_cases(rng):
    """Margins from -2000 to +2000, beyond where exp(-m) overflows (m < -709.78), for both labels."""
    margins = [-1000.0, -750.0, -2000.0, 1000.0, 750.0, rng.uniform(-1500.0, -720.0), rng.uniform(720.0, 1500.0)]
    return [with_margin(rng, m, 1.0 if i % 2 == 0 else -1.0) for i, m in enumerate(margins)]


def margin(x, w, y):
    return y * float(np.dot(w, x))


def stable_loss(x, w, y):
    """log(1 + exp(-y w^T x)) for one x or for each row of x, computed by the grader."""
    return np.logaddexp(0.0, -y * (x @ w))


def sigmoid(t):
    return 0.5 * (1.0 + math.tanh(0.5 * t))  # no overflow for any t


# ------------------------------------------------------------------ (a) the loss


def loss_mistakes(x, w, y):
    m = margin(x, w, y)
    mistakes = {
        "The label y is missing: the margin is y w^T x.": float(np.logaddexp(0.0, -float(np.dot(w, x)))),
        "The margin's sign is flipped: the loss is log(1 + exp(-y w^T x)).": float(np.logaddexp(0.0, m)),
        "You kept only max(0, -m): log(1 + e^{-m}) = max(0, -m) + log(1 + e^{-|m|}), the second term is "
        "needed too.": max(0.0, -m),
    }
    with np.errstate(over="ignore"):
        naive = float(np.log(1.0 + np.exp(-m)))
    if not math.isfinite(naive):
        mistakes[
            "Where -m is large, exp(-m) overflows to inf (t > 709), or sigmoid(m) rounds to 0 and its log is "
            "-inf: compute the loss as np.logaddexp(0, -m), or max(0, -m) + log1p(exp(-|m|))."
        ] = naive
    return mistakes


@check(part="a", points=2)
def logistic_loss_x_random_inputs(sub, ref, rng):
    """logistic_loss_x(x, w, y) = log(1 + exp(-y w^T x)) at random inputs, d = 2..6, y = +-1."""
    compare_calls(sub.logistic_loss_x, ref.logistic_loss_x, random_cases(rng), tolerance=LOSS, mistakes=loss_mistakes)


@check(part="a", points=1)
def logistic_loss_x_large_margins(sub, ref, rng):
    """logistic_loss_x is finite and accurate for margins y w^T x around +-1000 (about -m, or about 0)."""
    compare_calls(
        sub.logistic_loss_x,
        ref.logistic_loss_x,
        large_margin_cases(rng),
        tolerance=LOSS,
        mistakes=loss_mistakes,
    )


# ------------------------------------------------------------------ (b) the input gradient


def grad_mistakes(x, w, y):
    m = margin(x, w, y)
    return {
        "The label y is missing: grad_x l = -y sigma(-y w^T x) w.": -sigmoid(-float(np.dot(w, x))) * w,
        "You used sigma(m) where sigma(-m) belongs: grad_x l = -y sigma(-m) w with m = y w^T x.": -y * sigmoid(m) * w,
        "The factor sigma(-m) is missing: grad_x l = -y sigma(-m) w.": -y * w,
        "That is the gradient with respect to w; FGSM needs the gradient with respect to the input x.": -y
        * sigmoid(-m)
        * x,
    }


@check(part="b", points=3)
def grad_x_random_inputs(sub, ref, rng):
    """grad_x(x, w, y) = -y sigma(-y w^T x) w at random inputs, d = 2..6, y = +-1."""
    compare_calls(sub.grad_x, ref.grad_x, random_cases(rng), tolerance=GRADIENT, mistakes=grad_mistakes)


@check(part="b", points=1)
def grad_x_matches_finite_differences(sub, ref, rng):
    """grad_x agrees with centred finite differences of the logistic loss in x."""
    compare_calls(
        sub.grad_x,
        gradient_by_finite_differences(ref.logistic_loss_x),
        random_cases(rng, 3),
        tolerance=FINITE_DIFFERENCE_SMALL,
        mistakes=grad_mistakes,
    )


@check(part="b", points=0)
def grad_x_large_margins_feedback(sub, ref, rng):
    """Feedback only (0 points): grad_x stays finite and accurate for margins around +-1000.

    The contract asks stability of the loss only; a sigmoid that does not overflow is worth a word here.
    """
    compare_calls(sub.grad_x, ref.grad_x, large_margin_cases(rng), tolerance=GRADIENT, mistakes=grad_mistakes)


# ------------------------------------------------------------------ (c) the FGSM step


def fgsm_mistakes(ref):
    def mistakes(x, w, y, eps):
        g = ref.grad_x(x, w, y)
        delta = eps * np.sign(g)
        return {
            "That is the steepest descent step: it lowers the loss. FGSM moves to increase the loss, "
            "delta = +eps * sign(grad_x l).": -delta,
            "Return the perturbation delta = eps * sign(grad_x l), not the perturbed input x + delta.": x + delta,
            "That is eps times the gradient: FGSM keeps only the sign of each component, eps * sign(grad_x l).": eps
            * g,
            "That is the l2 steepest-ascent step eps * g / ||g||; for the l-infinity ball it is eps * sign(g).": eps
            * g
            / np.linalg.norm(g),
            "The step size eps is missing: delta = eps * sign(grad_x l).": np.sign(g),
        }

    return mistakes


@check(part="c", points=2)
def fgsm_perturbation_random_inputs(sub, ref, rng):
    """fgsm_perturbation(x, w, y, eps) = eps * sign(grad_x l), to the last bit (rtol 1e-12), with d = 3 and y = +-1."""
    cases = [(x, w, y, float(rng.uniform(0.01, 0.5))) for x, w, y in random_cases(rng, 6, d=NOTEBOOK_D)]
    # Exact up to rounding: eps * g / |g| is a right answer that can differ from eps * sign(g) in the last bit.
    compare_calls(
        sub.fgsm_perturbation, ref.fgsm_perturbation, cases, tolerance=PERTURBATION, mistakes=fgsm_mistakes(ref)
    )


@check(part="c", points=1)
def fgsm_perturbation_beats_random_perturbations(sub, ref, rng):
    """The FGSM step stays in the eps-box and raises the loss at least as much as 2000 random steps in it, d = 2..6."""
    for x, w, y in random_cases(rng, 4):
        eps = float(rng.uniform(0.01, 0.5))
        what = sub.fgsm_perturbation.describe((x, w, y, eps))
        answer = sub.fgsm_perturbation(x, w, y, eps)
        delta = as_array(answer)
        if delta is None or delta.shape != x.shape or not np.all(np.isfinite(delta)):
            raise CheckFailed(f"{what}: expected a finite array of shape {x.shape}, got {format_value(answer)}.")
        expected = ref.fgsm_perturbation(x, w, y, eps)  # asked before the answer is known: public runs record it
        rounding = FLOAT32_RTOL if is_float32(answer) else 1e-12  # a float32 eps * sign(g) rounds eps
        if np.max(np.abs(delta)) > eps * (1 + rounding):
            perturbed = np.allclose(delta, x + expected)
            hint = "Return the perturbation delta, not the perturbed input x + delta." if perturbed else ""
            raise CheckFailed(
                f"{what} = {format_value(delta)} leaves the l-infinity ball: every |delta_i| must be at most "
                f"eps = {eps:.4g}; the FGSM step eps * sign(grad_x l) has |delta_i| = eps. {hint}".rstrip()
            )
        base = stable_loss(x, w, y)
        increase = stable_loss(x + delta, w, y) - base
        trials = rng.uniform(-eps, eps, (2000, x.size))
        best = float(np.max(stable_loss(x + trials, w, y))) - base
        if increase < best - 1e-12 * max(1.0, abs(base)):
            hint = (
                " Your step lowers the loss: that is steepest descent; FGSM raises it, delta = +eps * sign(grad_x l)."
                if increase < 0
                else ""
            )
            raise CheckFailed(
                f"{what} = {format_value(delta)} increases the loss by {increase:.6g}, but a random step from the same "
                f"eps-box increases it by {best:.6g}: FGSM is the steepest ascent step in the l-infinity ball.{hint}"
            )
