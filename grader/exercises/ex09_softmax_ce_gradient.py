"""Checks for exercise 9, softmax cross-entropy gradient: softmax_ce_loss, softmax_ce_grad. 10 points.

The contract gives this exercise no lettered parts: part "a" is the loss, part "b" the gradient.
Labels are one-hot vectors and, as the contract allows, probability vectors (soft labels). The contract
says nothing of large logits here, so logits around +-1000 are feedback only (0 points): an
implementation that exponentiates without subtracting the maximum logit gives NaN or inf there, and
one computing -sum(y log(p + eps)), as the course's own code does, is told so on very confident wrong
predictions (true loss about 2000, clipped loss about -log(eps)).

No error carried forward here (no CALLEES): the contract gives this exercise no softmax, so a
learner's softmax helper is part of each function that uses it, and the checks judge those
functions as the contract states them. A mistake in a shared helper shows in both.
"""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE_SMALL,
    PROBABILITIES,
    check,
    compare_calls,
    expect_unchanged,
    gradient_by_finite_differences,
)

CLIP_EPSILONS = (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def one_hot(label, k):
    return np.eye(k)[label]


def random_cases(rng, n=6, low=-4.0, high=4.0, k=None):
    """(z, y) with K = k, or K = 2..6 by default: one-hot labels first, then probability vectors (soft labels)."""
    cases = []
    for i in range(n):
        size = k or int(rng.integers(2, 7))
        z = rng.uniform(low, high, size)
        y = one_hot(int(rng.integers(0, size)), size) if i < n // 2 else rng.dirichlet(np.ones(size))
        cases.append((z, y))
    return cases


def large_cases(rng):
    """(z, y) with logits around +-1000: all large, all very negative, and nearly one-hot softmax outputs."""
    cases = []
    for shift in (1000.0, -1000.0):
        k = int(rng.integers(3, 6))
        cases.append((shift + rng.uniform(-3.0, 3.0, k), rng.dirichlet(np.ones(k))))
        cases.append((shift + rng.uniform(-3.0, 3.0, k), one_hot(int(rng.integers(0, k)), k)))
    spread = rng.permutation([1000.0, -1000.0, 0.0, 999.0]) + rng.uniform(-0.5, 0.5, 4)
    cases.append((spread, one_hot(int(np.argmin(spread)), 4)))  # very confident and wrong: the loss is about 2000
    cases.append((spread, one_hot(int(np.argmax(spread)), 4)))  # right: the loss is small
    cases.append((spread, rng.dirichlet(np.ones(4))))
    return cases


def loss_mistakes(z, y):
    p = softmax(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = {
            f"Clipping: your loss is -sum(y log(p + {eps:g})) (or p clipped at {eps:g}), which caps -log p_k near "
            f"{-np.log(eps):.3g} when class k is very unlikely. Use log p = z - logsumexp(z) (log-sum-exp trick) "
            "instead of the log of a probability.": float(-np.sum(y * np.log(p + eps)))
            for eps in CLIP_EPSILONS
        }
        found[
            "Your loss only uses the largest entry of y: for a probability vector y the loss is -sum_k y_k log p_k."
        ] = float(-np.log(p[np.argmax(y)]))
        found["Use the natural logarithm (np.log), not log10."] = float(-np.sum(y * np.log10(p)))
        found["Use the natural logarithm (np.log), not log2."] = float(-np.sum(y * np.log2(p)))
    return found


# ------------------------------------------------------------------ (a) the loss


@check(part="a", points=5)
def softmax_ce_loss_random_logits(sub, ref, rng):
    """softmax_ce_loss(z, y) for one-hot and soft labels at random logits, and z is not modified in place."""
    cases = random_cases(rng)
    compare_calls(sub.softmax_ce_loss, ref.softmax_ce_loss, cases, tolerance=CLOSED_FORM, mistakes=loss_mistakes)
    expect_unchanged(sub.softmax_ce_loss, *random_cases(rng, 1)[0], right=ref.softmax_ce_loss)


@check(part="a", points=0)
def softmax_ce_loss_large_logits_feedback(sub, ref, rng):
    """Feedback only (0 points): softmax_ce_loss is finite and exact for logits around +-1000.

    The contract says nothing of large logits for this exercise, and the course's own
    -sum(y log(p + 1e-12)) caps the loss near 27.6 when the true class has p ~ e^-2000.
    """
    compare_calls(
        sub.softmax_ce_loss, ref.softmax_ce_loss, large_cases(rng), tolerance=CLOSED_FORM, mistakes=loss_mistakes
    )


# ------------------------------------------------------------------ (b) the gradient


def grad_mistakes(z, y):
    p = softmax(z)
    return {
        "That is softmax(z) alone: subtract the label vector y, grad = p - y.": p,
        "Your gradient only uses the largest entry of y: for a probability vector y it is p - y.": p
        - one_hot(int(np.argmax(y)), y.size),
    }


@check(part="b", points=3)
def softmax_ce_grad_random_logits(sub, ref, rng):
    """softmax_ce_grad(z, y) = softmax(z) - y for one-hot and soft labels at random logits (K = 4 as in the notebook).

    All cases have the notebook's K = 4, so that an answer hard-coded at the notebook's example has the right
    shape and is recognised as the same answer for every input (other checks vary K).
    """
    cases = random_cases(rng, k=4)
    compare_calls(sub.softmax_ce_grad, ref.softmax_ce_grad, cases, tolerance=PROBABILITIES, mistakes=grad_mistakes)


@check(part="b", points=2)
def softmax_ce_grad_matches_finite_differences(sub, ref, rng):
    """softmax_ce_grad agrees with centred finite differences of the loss, for one-hot and soft labels."""
    compare_calls(
        sub.softmax_ce_grad,
        gradient_by_finite_differences(ref.softmax_ce_loss),
        random_cases(rng, 4, -2.0, 2.0)[1:],
        tolerance=FINITE_DIFFERENCE_SMALL,
        mistakes=grad_mistakes,
    )


@check(part="b", points=0)
def softmax_ce_grad_large_logits_feedback(sub, ref, rng):
    """Feedback only (0 points): softmax_ce_grad stays finite and exact for logits around +-1000.

    The contract says nothing of large logits for this exercise.
    """
    compare_calls(
        sub.softmax_ce_grad, ref.softmax_ce_grad, large_cases(rng), tolerance=PROBABILITIES, mistakes=grad_mistakes
    )
