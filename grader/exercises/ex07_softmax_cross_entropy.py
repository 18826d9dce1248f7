"""Checks for exercise 7, softmax/cross-entropy: softmax, softmax_jacobian, ce_loss, ce_grad, batch_ce_grad. 10 points.

Large logits (around +-1000) are graded for softmax and ce_loss, which the contract asks to be stable
and finite there: an implementation that does not subtract the maximum logit returns NaN or inf and
loses those checks (diagnosed as NaN or overflow). Beyond the contract, and so feedback only (0 points):
the exact loss on very confident wrong predictions (about 2000, where -log(p_y + eps) caps near
-log(eps), as the course's own code does) and batch_ce_grad at large logits. batch_ce_grad is graded on
non-square batches (m rows != K classes, m > 1) so that a missing 1/m or a division by K is visible.
"""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE_SMALL,
    PROBABILITIES,
    check,
    compare_calls,
    expect_finite_answers,
    expect_unchanged,
    gradient_by_finite_differences,
)

# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {
    "softmax_jacobian": ("softmax",),
    "ce_loss": ("softmax",),
    "ce_grad": ("softmax",),
    "batch_ce_grad": ("softmax", "ce_grad"),  # the mean of ce_grad over the rows is a natural way to write it
}

CLIP_EPSILONS = (1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6)


def random_logits(rng, n=6, low=-4.0, high=4.0):
    """n logit vectors of varied length K (2..6), in a range where softmax is well conditioned."""
    return [rng.uniform(low, high, int(rng.integers(2, 7))) for _ in range(n)]


def large_logits(rng):
    """Logit vectors around +-1000: all large, all very negative, and widely spread (nearly one-hot)."""
    cases = []
    for shift in (1000.0, -1000.0):
        cases.append(shift + rng.uniform(-3.0, 3.0, int(rng.integers(3, 6))))
    spread = rng.permutation([1000.0, -1000.0, 0.0, 999.0])[: int(rng.integers(3, 5))]
    cases.append(spread + rng.uniform(-0.5, 0.5, spread.size))
    cases.append(rng.uniform(-1000.0, 1000.0, int(rng.integers(3, 6))))
    return cases


def one_hot(labels, k):
    return np.eye(k)[labels]


def rowwise_softmax(Z, axis):
    e = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def random_batches(rng, shapes=((3, 4), (4, 3), (5, 2), (2, 5), (3, 2))):
    """(Z, Y) batches with m != K, logits in [-4, 4], one random one-hot label per row."""
    cases = []
    for m, k in shapes:
        Z = rng.uniform(-4.0, 4.0, (m, k))
        cases.append((Z, one_hot(rng.integers(0, k, m), k)))
    return cases


# ------------------------------------------------------------------ (c) stable softmax


@check(part="c", points=1)
def softmax_random_logits(sub, ref, rng):
    """softmax(z) at random logits of several lengths, and z is not modified in place."""
    cases = [(z,) for z in random_logits(rng)]
    compare_calls(
        sub.softmax,
        ref.softmax,
        cases,
        tolerance=PROBABILITIES,
        mistakes=lambda z: {
            "Those are exp(z) without dividing by their sum: softmax must sum to 1.": np.exp(z),
            "You normalised by the sum of the logits instead of the sum of their exponentials.": np.exp(z) / np.sum(z),
        },
    )
    expect_unchanged(sub.softmax, rng.uniform(-4.0, 4.0, 5), right=ref.softmax, tolerance=PROBABILITIES)


@check(part="c", points=1)
def softmax_large_logits(sub, ref, rng):
    """softmax stays finite and accurate for logits around +-1000 (subtract max z before exp)."""
    compare_calls(sub.softmax, ref.softmax, [(z,) for z in large_logits(rng)], tolerance=PROBABILITIES)


# ------------------------------------------------------------------ (a) softmax Jacobian


def jacobian_mistakes(ref):
    def mistakes(z):
        p = ref.softmax(z)
        return {
            "Only the diagonal p_i (1 - p_i): the off-diagonal entries -p_i p_j are missing.": np.diag(p * (1 - p)),
            "diag(p) alone: subtract the outer product p p^T.": np.diag(p),
            "Only -p p^T: add diag(p).": -np.outer(p, p),
            "You used the logits z where the probabilities p = softmax(z) belong.": np.diag(z) - np.outer(z, z),
        }

    return mistakes


@check(part="a", points=1)
def softmax_jacobian_random_logits(sub, ref, rng):
    """softmax_jacobian(z) = diag(p) - p p^T at random logits of several lengths."""
    cases = [(z,) for z in random_logits(rng)]
    mistakes = jacobian_mistakes(ref)
    compare_calls(sub.softmax_jacobian, ref.softmax_jacobian, cases, tolerance=PROBABILITIES, mistakes=mistakes)


@check(part="a", points=1)
def softmax_jacobian_matches_finite_differences(sub, ref, rng):
    """Row i of the Jacobian agrees with centred finite differences of softmax(z)_i."""
    compare_calls(
        sub.softmax_jacobian,
        gradient_by_finite_differences(ref.softmax),
        [(z,) for z in random_logits(rng, 3, -2.0, 2.0)],
        tolerance=FINITE_DIFFERENCE_SMALL,
        mistakes=jacobian_mistakes(ref),
    )


# ------------------------------------------------------------------ (b) cross-entropy loss and gradient


def ce_loss_mistakes(ref):
    def mistakes(z, y_true):
        p = ref.softmax(z)[y_true]
        with np.errstate(divide="ignore"):
            found = {
                f"Clipping: your loss is -log(p_y + {eps:g}) (or p_y clipped at {eps:g}), which caps the loss near "
                f"{-np.log(eps):.3g} when the true class is very unlikely. Compute it exactly as "
                "logsumexp(z) - z_y, with the log-sum-exp trick.": -np.log(p + eps)
                for eps in CLIP_EPSILONS
            }
            found["Use the natural logarithm (np.log), not log10."] = -np.log10(p)
            found["Use the natural logarithm (np.log), not log2."] = -np.log2(p)
            found["That is -log of the largest probability: use the probability of the true class y_true."] = -np.log(
                np.max(ref.softmax(z))
            )
        return found

    return mistakes


@check(part="b", points=1)
def ce_loss_random_logits(sub, ref, rng):
    """ce_loss(z, y) = -log softmax(z)[y] at random logits and labels."""
    cases = [(z, int(rng.integers(0, z.size))) for z in random_logits(rng)]
    compare_calls(sub.ce_loss, ref.ce_loss, cases, tolerance=CLOSED_FORM, mistakes=ce_loss_mistakes(ref))


def confident_predictions(rng):
    """(z, y) at logits around +-1000 with the true class the most likely, and the same logits wrongly labelled."""
    right, wrong = [], []
    for z in large_logits(rng)[2:]:
        right.append((z, int(np.argmax(z))))  # a right prediction: the loss is small
        wrong.append((z, int(np.argmin(z))))  # a very confident wrong one: p_y ~ e^-2000, the loss about 2000
    return right, wrong


@check(part="b", points=1)
def ce_loss_large_logits(sub, ref, rng):
    """ce_loss is finite for logits around +-1000 (the contract), and exact wherever p_y is not vanishingly small."""
    cases = [(z, int(rng.integers(0, z.size))) for z in large_logits(rng)[:2]]
    right, wrong = confident_predictions(rng)
    compare_calls(sub.ce_loss, ref.ce_loss, cases + right, tolerance=CLOSED_FORM, mistakes=ce_loss_mistakes(ref))
    expect_finite_answers(sub.ce_loss, wrong)


@check(part="b", points=0)
def ce_loss_confident_wrong_prediction_feedback(sub, ref, rng):
    """Feedback only (0 points): the exact loss (about 2000) when the true class has p_y ~ e^-2000.

    The contract asks ce_loss to be finite for large logits; the course's own -log(p_y + 1e-15) is,
    and caps the loss near 34.5 there. Computing it exactly is worth a word, not points.
    """
    _, wrong = confident_predictions(rng)
    compare_calls(sub.ce_loss, ref.ce_loss, wrong, tolerance=CLOSED_FORM, mistakes=ce_loss_mistakes(ref))


@check(part="b", points=1)
def ce_grad_random_logits(sub, ref, rng):
    """ce_grad(z, y) = softmax(z) - e_y at random logits and labels."""
    cases = [(z, int(rng.integers(0, z.size))) for z in random_logits(rng)]
    compare_calls(
        sub.ce_grad,
        ref.ce_grad,
        cases,
        tolerance=PROBABILITIES,
        mistakes=lambda z, y_true: {
            "That is softmax(z) alone: subtract the one-hot vector e_y.": ref.softmax(z),
            "You subtracted 1 from the wrong entry: e_y has its 1 at index y_true.": ref.softmax(z)
            - np.eye(z.size)[(y_true + 1) % z.size],
        },
    )


@check(part="b", points=1)
def ce_grad_matches_finite_differences(sub, ref, rng):
    """ce_grad agrees with centred finite differences of the cross-entropy loss."""
    compare_calls(
        sub.ce_grad,
        gradient_by_finite_differences(ref.ce_loss),
        [(z, int(rng.integers(0, z.size))) for z in random_logits(rng, 3, -2.0, 2.0)],
        tolerance=FINITE_DIFFERENCE_SMALL,
    )


# ------------------------------------------------------------------ (d) batch gradient


def batch_mistakes(ref):
    def mistakes(Z, Y):
        m, k = Z.shape
        P = rowwise_softmax(Z, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            whole = np.exp(Z - np.max(Z)) / np.sum(np.exp(Z - np.max(Z)))
        return {
            f"Missing 1/m: that is P - Y, the gradient of the summed loss; the mean over the m = {m} rows "
            "is (P - Y) / m.": P - Y,
            f"You divided by K = {k} (the number of classes) instead of m = {m} (the number of rows).": (P - Y) / k,
            "Softmax over the whole matrix: each row of Z is one example, normalise each row on its own "
            "(sum over axis=1).": (whole - Y) / m,
            "Softmax along the columns (axis 0): each row of Z is one example, normalise along axis=1.": (
                rowwise_softmax(Z, axis=0) - Y
            )
            / m,
        }

    return mistakes


def mean_ce(ref):
    """The batch loss batch_ce_grad differentiates: the mean of ce_loss over the rows."""

    def loss(Z, Y):
        labels = np.argmax(Y, axis=1)
        return float(np.mean([ref.ce_loss(Z[i], int(labels[i])) for i in range(Z.shape[0])]))

    return loss


@check(part="d", points=2)
def batch_ce_grad_random_batches(sub, ref, rng):
    """batch_ce_grad = (P - Y) / m on batches with m != K, agrees with finite differences, and leaves Z unchanged."""
    cases = random_batches(rng)
    compare_calls(sub.batch_ce_grad, ref.batch_ce_grad, cases, tolerance=PROBABILITIES, mistakes=batch_mistakes(ref))
    compare_calls(
        sub.batch_ce_grad,
        gradient_by_finite_differences(mean_ce(ref)),
        cases[:1],
        tolerance=FINITE_DIFFERENCE_SMALL,
        mistakes=batch_mistakes(ref),
    )
    expect_unchanged(
        sub.batch_ce_grad, *random_batches(rng, ((3, 4),))[0], right=ref.batch_ce_grad, tolerance=PROBABILITIES
    )


@check(part="d", points=0)
def batch_ce_grad_large_logits_feedback(sub, ref, rng):
    """Feedback only (0 points): batch_ce_grad stays finite and exact for rows of logits around +-1000.

    The contract asks stability of softmax and ce_loss, not of batch_ce_grad: a row-wise max shift
    is worth a word here, not points.
    """
    cases = []
    for m, k in ((3, 4), (4, 3), (2, 5)):
        Z = rng.uniform(-1000.0, 1000.0, (m, k))  # nearly one-hot rows
        Z[0] = 1000.0 + rng.uniform(-3.0, 3.0, k)  # rows at very different scales:
        Z[1] = -1000.0 + rng.uniform(-3.0, 3.0, k)  # a global max shift is not enough
        cases.append((Z, one_hot(rng.integers(0, k, m), k)))
    compare_calls(sub.batch_ce_grad, ref.batch_ce_grad, cases, tolerance=PROBABILITIES, mistakes=batch_mistakes(ref))
