"""Checks for exercise 5, MSE gradient and linear regression: mse_loss, mse_grad, gradient_descent_lr, \
ols_solution, steps_to_tolerance. 10 points.

L(w) = (1/m) ||X w - y||^2 with X of shape (m, n), m > 1, on random data sets (never only the
notebook's m = 200, n = 5 set). gradient_descent_lr is compared entry by entry, w and losses
separately, including n_steps = 0. steps_to_tolerance is graded as pure logic on loss arrays,
including one where no entry gets within tol (answer len(losses)), one where the first entry
already does (answer 0), and one with losses[k] - loss_star == tol exactly (the test is <=).

"""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    EXACT,
    FINITE_DIFFERENCE,
    NUMERICAL,
    CheckFailed,
    Transformed,
    check,
    compare_calls,
    expect_contract_defaults,
    expect_unchanged,
    format_value,
    gradient_by_finite_differences,
)

# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {"gradient_descent_lr": ("mse_grad", "mse_loss")}

# ------------------------------------------------------------------ the data and known mistakes


def data(rng, m, n, noise=0.1):
    """A regression problem: standard normal X (m, n), y = X w_true + noise."""
    X = rng.normal(size=(m, n))
    w_true = rng.uniform(-3.0, 3.0, n)
    y = X @ w_true + noise * rng.normal(size=m)
    return X, y


def descend(X, y, w0, lr, n_steps, grad):
    """Gradient descent with a given gradient function: the weights after n_steps steps."""
    w = np.array(w0, dtype=float)
    for _ in range(n_steps):
        w = w - lr * grad(X, y, w)
    return w


def sum_grad(X, y, w):
    return 2.0 * X.T @ (X @ w - y)


def no_two_grad(X, y, w):
    return X.T @ (X @ w - y) / X.shape[0]


def pair_item(function, index: int, label: str, n_steps_at: int | None = None) -> Transformed:
    """Item ``index`` of the pair (w, losses) the function returns, so that w and losses are graded apart.

    A malformed answer (not a pair; losses with n_steps entries, the argument at ``n_steps_at``)
    is explained before any value is compared.
    """

    def item(args, value):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise CheckFailed(
                f"{function.describe(args)} returned {format_value(value)}: it must return a pair (w, losses).",
                diagnosis="Return a tuple (w, losses).",
            )
        part = value[index]
        if n_steps_at is not None:
            n_steps = int(args[n_steps_at])
            try:
                count = len(part)
            except TypeError:
                count = None
            if count == n_steps:
                raise CheckFailed(
                    f"{function.describe(args)} -> {label} has {count} entries, expected n_steps + 1 = {n_steps + 1}:"
                    " record the loss before every step (losses[0] = L(w0)) and also the final loss after the last"
                    " step.",
                    diagnosis="losses needs n_steps + 1 entries.",
                )
        return part

    return Transformed(function, item, label=label)


def gd_cases(rng):
    cases = []
    for m, n, lr, n_steps in ((30, 4, 0.1, 25), (12, 3, 0.05, 10), (8, 1, 0.2, 5), (20, 2, 0.1, 0)):
        X, y = data(rng, m, n)
        cases.append((X, y, rng.normal(size=n), lr, n_steps))
    return cases


def loss_mistakes(X, y, w):
    r = X @ w - y
    return {
        "Divide by m: the loss is the mean of the squared residuals, not their sum.": float(np.sum(r**2)),
        "Do not take the square root: the loss is the mean squared error, not its root.": float(np.sqrt(np.mean(r**2))),
        "No 1/2 here: the loss is (1/m) ||X w - y||^2.": float(np.mean(r**2) / 2),
    }


def grad_mistakes(X, y, w):
    return {
        "The 1/m of the mean is missing: grad L = (2/m) X^T (X w - y).": sum_grad(X, y, w),
        "The factor 2 is missing: the derivative of a square brings down a 2, grad L = (2/m) X^T (X w - y).": (
            no_two_grad(X, y, w)
        ),
    }


def loss_grad_cases(rng):
    cases = []
    for m, n in ((10, 3), (25, 5), (3, 6), (4, 1)):
        X, y = data(rng, m, n, noise=1.0)
        cases.append((X, y, rng.normal(size=n)))
    return cases


@check(part="a", points=1)
def mse_loss_random_data(sub, ref, rng):
    """L(w) = (1/m) ||X w - y||^2 on random data sets with m > 1 samples, m > n and m < n."""
    compare_calls(sub.mse_loss, ref.mse_loss, loss_grad_cases(rng), tolerance=CLOSED_FORM, mistakes=loss_mistakes)


@check(part="a", points=1.5)
def mse_grad_random_data(sub, ref, rng):
    """grad L(w) = (2/m) X^T (X w - y), shape (n,), on random data sets with m != n."""
    compare_calls(sub.mse_grad, ref.mse_grad, loss_grad_cases(rng), tolerance=CLOSED_FORM, mistakes=grad_mistakes)


@check(part="a", points=0.5)
def mse_grad_matches_finite_differences(sub, ref, rng):
    """mse_grad agrees with centred finite differences of the reference's mse_loss."""
    cases = []
    for m, n in ((15, 4), (6, 2)):
        X, y = data(rng, m, n, noise=1.0)
        cases.append((X, y, rng.normal(size=n)))
    compare_calls(
        sub.mse_grad,
        gradient_by_finite_differences(ref.mse_loss, wrt=2),
        cases,
        tolerance=FINITE_DIFFERENCE,
        mistakes=grad_mistakes,
    )


@check(part="b", points=2.5)
def gradient_descent_lr_trajectory(sub, ref, rng):
    """w after n_steps steps of w <- w - lr grad L(w), and the n_steps + 1 losses, for n_steps = 0, 5, 10, 25."""
    cases = gd_cases(rng)

    def w_mistakes(X, y, w0, lr, n_steps):
        return {
            "Your steps use the gradient of the sum, without the 1/m of the mean: use mse_grad.": descend(
                X, y, w0, lr, n_steps, sum_grad
            ),
            "Your steps use a gradient without its factor 2: use mse_grad, (2/m) X^T (X w - y).": descend(
                X, y, w0, lr, n_steps, no_two_grad
            ),
            "Step against the gradient: w <- w - lr * grad L(w), not w + lr * grad.": descend(
                X, y, w0, -lr, n_steps, ref.mse_grad
            ),
        }

    compare_calls(
        pair_item(sub.gradient_descent_lr, 0, "w"),
        lambda *args: ref.gradient_descent_lr(*args)[0],
        cases,
        tolerance=CLOSED_FORM,
        mistakes=w_mistakes,
    )

    def loss_mistakes(X, y, w0, lr, n_steps):
        losses = ref.gradient_descent_lr(X, y, w0, lr, n_steps)[1]
        return {
            "losses[k] is the loss before step k (losses[0] = L(w0)) and the last entry the loss after the"
            " final step: yours look shifted by one step.": np.append(losses[1:], losses[-1]) if n_steps else losses,
        }

    compare_calls(
        pair_item(sub.gradient_descent_lr, 1, "losses", n_steps_at=4),
        lambda *args: ref.gradient_descent_lr(*args)[1],
        cases,
        tolerance=CLOSED_FORM,
        mistakes=loss_mistakes,
    )


@check(part="b", points=0.5)
def gradient_descent_lr_leaves_w0_unchanged(sub, ref, rng):
    """gradient_descent_lr does not modify w0 (or X, y) in place (and its answer is right)."""
    X, y = data(rng, 10, 3)
    expect_unchanged(sub.gradient_descent_lr, X, y, rng.normal(size=3), 0.1, 5, right=ref.gradient_descent_lr)


@check(part="c", points=2)
def ols_solution_random_data(sub, ref, rng):
    """w_hat solves X^T X w = X^T y, for X of shape (m, n) of full column rank, m >= n."""
    cases = [data(rng, m, n) for m, n in ((40, 4), (10, 3), (25, 1))]
    X, y = data(rng, 6, 6, noise=0.0)
    cases.append((X + 3 * np.eye(6), y))  # square, well conditioned
    X, y = data(rng, 12, 3, noise=0.0)
    cases.append((X, y))  # noise-free: y is exactly in the range of X
    compare_calls(
        sub.ols_solution,
        ref.ols_solution,
        cases,
        tolerance=NUMERICAL,
    )


def curve_mistakes(ref, losses, loss_star, tol):
    right = ref.steps_to_tolerance(losses, loss_star, tol)
    return {
        "Compare losses[k] - loss_star with tol, not losses[k] itself.": ref.steps_to_tolerance(losses, 0.0, tol),
        "The answer is the index k itself (losses[0] is the loss after 0 steps), not k + 1.": right + 1,
        "tol is not used: that is the answer for the default tol = 1e-4, whatever tol is given.": (
            ref.steps_to_tolerance(losses, loss_star)
        ),
    }


@check(part="d", points=1)
def steps_to_tolerance_on_descent_curves(sub, ref, rng):
    """The first k with losses[k] - L* <= tol on gradient-descent loss curves, for tol = 1e-4, 1e-2, 1e-6."""
    cases = []
    for m, n, lr, tol in ((40, 3, 0.1, 1e-4), (30, 4, 0.05, 1e-2), (25, 2, 0.1, 1e-6)):
        X, y = data(rng, m, n)
        _, losses = ref.gradient_descent_lr(X, y, np.zeros(n), lr, 150)
        loss_star = ref.mse_loss(X, y, ref.ols_solution(X, y))
        cases.append((losses, loss_star, tol))
    compare_calls(
        sub.steps_to_tolerance,
        ref.steps_to_tolerance,
        cases,
        tolerance=EXACT,
        mistakes=lambda losses, loss_star, tol=1e-4: curve_mistakes(ref, losses, loss_star, tol),
    )


@check(part="d", points=0)
def steps_to_tolerance_default_tol_is_the_contracts(sub, rng):
    """Feedback only (0 points): left out, tol is the assignment's default 1e-4.

    On curves falling four steps a decade from 1 to 1e-8 above L*, any other default gives
    another first index.
    """
    loss_star = float(rng.uniform(0.5, 2.0))
    curves = [(loss_star + 10.0 ** -np.linspace(0.0, 8.0, 33) * scale, loss_star) for scale in (1.0, 0.7)]
    expect_contract_defaults(sub.steps_to_tolerance, curves, {"tol": 1e-4})


def tolerance_mistakes(ref):
    def known(losses, loss_star, tol=1e-4):
        n = len(losses)
        strict = np.flatnonzero(losses - loss_star < tol)
        mistakes = {
            "When no entry is within tol the answer is len(losses), not -1.": -1,
            "The test is losses[k] - loss_star <= tol: an entry exactly tol above L* counts.": (
                int(strict[0]) if strict.size else n
            ),
        }
        if ref.steps_to_tolerance(losses, loss_star, tol) == n:
            mistakes["When no entry is within tol the answer is len(losses), not len(losses) - 1."] = n - 1
        return mistakes

    return known


@check(part="d", points=1)
def steps_to_tolerance_edge_cases(sub, ref, rng):
    """No entry within tol gives len(losses); a first entry within tol gives 0; losses[k] - L* == tol counts (<=)."""
    loss_star = float(rng.uniform(0.5, 2.0))
    gaps = np.sort(rng.uniform(0.05, 3.0, 7))[::-1]
    cases = [
        (loss_star + gaps, loss_star, 0.01),  # never within tol
        (loss_star + gaps * 1e-3, loss_star, 0.01),  # already within tol at k = 0
        (np.array([2.0, 1.0, 0.75, 0.625, 0.5625]), 0.5, 0.25),  # losses[2] - L* == tol exactly
    ]
    mistakes = tolerance_mistakes(ref)
    compare_calls(sub.steps_to_tolerance, ref.steps_to_tolerance, cases, tolerance=EXACT, mistakes=mistakes)


@check(part="d", points=0)
def steps_to_tolerance_rising_curve_feedback(sub, ref, rng):
    """Feedback only (0 points): on a curve that rises again, the first k within tol counts.

    Gradient descent at a stable learning rate gives falling losses, where the course's own
    np.searchsorted answer is right; the contract's words ("the first index k") also cover a curve
    that rises again (too large a step), which is worth a word but not points.
    """
    cases = [(np.array([3.0, 0.5 + 2.0**-12, 2.0, 1.0]), 0.5, 2.0**-10)]
    mistakes = tolerance_mistakes(ref)
    compare_calls(sub.steps_to_tolerance, ref.steps_to_tolerance, cases, tolerance=EXACT, mistakes=mistakes)
