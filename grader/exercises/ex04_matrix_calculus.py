"""Checks for exercise 4, matrix calculus: grad_linear, grad_quadratic, grad_least_squares, grad_trace. 10 points.

grad_quadratic is graded for points only with symmetric A, as the exercise states; the check
grad_quadratic_general_A_feedback (0 points) calls it with a non-symmetric A and, when the answer
is 2 A x instead of (A + A^T) x, tells the student so without deducting anything.
Least squares and trace use non-square matrices (m != n) so that transposes show.
"""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    ROUNDING,
    CheckFailed,
    LearnerError,
    Tolerance,
    check,
    compare_calls,
    format_value,
    gradient_by_finite_differences,
    matches,
)

# Error carried forward (see grader.checking.carried): least squares may be built from the first two,
# grad_quadratic(A^T A, x) - 2 grad_linear(A^T b, x); a mistake there is charged where it is.
CALLEES = {"grad_least_squares": ("grad_quadratic", "grad_linear")}

FINITE_DIFFERENCE_OF_LINEAR = Tolerance(rtol=1e-6, atol=1e-7)  # finite differences of a linear map: rounding only


def symmetric(rng, n):
    B = rng.normal(size=(n, n))
    return (B + B.T) / 2


def linear_mistakes(a, x):
    return {"That is x: the gradient of a^T x is a and does not depend on x.": x}


def quadratic_mistakes(A, x):
    return {"The factor 2 is missing: x appears twice in x^T A x, so the gradient is 2 A x.": A @ x}


def least_squares_mistakes(A, b, x):
    return {
        "The factor 2 is missing: d/dr ||r||^2 = 2 r.": A.T @ (A @ x - b),
        "This is the gradient of the mean (1/m) ||A x - b||^2: the objective here is the plain sum.": 2
        * A.T
        @ (A @ x - b)
        / A.shape[0],
    }


def trace_mistakes(A, X):
    return {"That is X: the gradient of tr(A X) is A^T and does not depend on X.": X}


@check(part="a", points=1.5)
def grad_linear_random_vectors(sub, ref, rng):
    """grad (a^T x) = a, whatever x is, for n = 3, 6, 1."""
    cases = [(rng.normal(size=n), rng.normal(size=n)) for n in (3, 6, 1, 6)]
    compare_calls(
        sub.grad_linear,
        ref.grad_linear,
        cases,
        tolerance=ROUNDING,
        mistakes=linear_mistakes,
    )


@check(part="a", points=0.5)
def grad_linear_matches_finite_differences(sub, rng):
    """grad_linear agrees with centred finite differences of a^T x, computed by the grader."""
    compare_calls(
        sub.grad_linear,
        gradient_by_finite_differences(lambda a, x: float(a @ x), wrt=1),
        [(rng.normal(size=4), rng.normal(size=4)) for _ in range(3)],
        tolerance=FINITE_DIFFERENCE_OF_LINEAR,
        mistakes=linear_mistakes,
    )


@check(part="b", points=2)
def grad_quadratic_symmetric_random(sub, ref, rng):
    """grad (x^T A x) = 2 A x for symmetric A, n = 4, 2, 5, 1."""
    cases = [(symmetric(rng, n), rng.normal(size=n)) for n in (4, 2, 5, 1)]
    compare_calls(
        sub.grad_quadratic,
        ref.grad_quadratic,
        cases,
        tolerance=CLOSED_FORM,
        mistakes=quadratic_mistakes,
    )


@check(part="b", points=1)
def grad_quadratic_matches_finite_differences(sub, rng):
    """grad_quadratic agrees with centred finite differences of x^T A x (symmetric A, n = 3, 4)."""
    compare_calls(
        sub.grad_quadratic,
        gradient_by_finite_differences(lambda A, x: float(x @ A @ x), wrt=1),
        [(symmetric(rng, n), rng.normal(size=n)) for n in (3, 4)],
        tolerance=FINITE_DIFFERENCE,
        mistakes=quadratic_mistakes,
    )


@check(part="b", points=0)
def grad_quadratic_general_A_feedback(sub, ref, rng):
    """Feedback only (0 points): for a non-symmetric A the gradient of x^T A x is (A + A^T) x."""
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    try:
        got = sub.grad_quadratic(A, x)
    except LearnerError:
        return  # refusing a non-symmetric A is a fair reading of the exercise
    expected = ref.grad_quadratic(A, x)
    if matches(got, 2 * A @ x, CLOSED_FORM) and not matches(got, expected, CLOSED_FORM):
        call = sub.grad_quadratic.describe((A, x))
        diagnosis = (
            "2 A x is right for the symmetric A of the exercise (those checks give full marks); for a general A,"
            " d/dx (x^T A x) = A x + A^T x = (A + A^T) x. Feedback only: no points deducted."
        )
        raise CheckFailed(
            f"{call} with a non-symmetric A: expected {format_value(expected)}, got {format_value(got)}. {diagnosis}",
            call=call,
            expected=format_value(expected),
            got=format_value(got),
            diagnosis=diagnosis,
        )


@check(part="c", points=2)
def grad_least_squares_non_square(sub, ref, rng):
    """grad ||A x - b||^2 = 2 A^T (A x - b) for A of shape (m, n) with m > n, m < n and m = n."""
    cases = []
    for m, n in ((5, 3), (2, 4), (4, 4), (6, 1)):
        cases.append((rng.normal(size=(m, n)), rng.normal(size=m), rng.normal(size=n)))
    compare_calls(
        sub.grad_least_squares,
        ref.grad_least_squares,
        cases,
        tolerance=CLOSED_FORM,
        mistakes=least_squares_mistakes,
    )


@check(part="c", points=1)
def grad_least_squares_matches_finite_differences(sub, rng):
    """grad_least_squares agrees with centred finite differences of ||A x - b||^2, A of shape (5, 3) and (2, 4)."""
    compare_calls(
        sub.grad_least_squares,
        gradient_by_finite_differences(lambda A, b, x: float(np.sum((A @ x - b) ** 2)), wrt=2),
        [(rng.normal(size=(m, n)), rng.normal(size=m), rng.normal(size=n)) for m, n in ((5, 3), (2, 4))],
        tolerance=FINITE_DIFFERENCE,
        mistakes=least_squares_mistakes,
    )


@check(part="d", points=1.5)
def grad_trace_non_square(sub, ref, rng):
    """grad_X tr(A X) = A^T, the shape of X (m, n), with A of shape (n, m), n != m and n = m."""
    cases = [(rng.normal(size=(n, m)), rng.normal(size=(m, n))) for n, m in ((2, 4), (3, 2), (3, 3), (1, 5))]
    compare_calls(
        sub.grad_trace,
        ref.grad_trace,
        cases,
        tolerance=ROUNDING,
        mistakes=trace_mistakes,
    )


@check(part="d", points=0.5)
def grad_trace_matches_finite_differences(sub, rng):
    """grad_trace agrees with centred finite differences of tr(A X), A of shape (2, 3), X of shape (3, 2)."""
    compare_calls(
        sub.grad_trace,
        gradient_by_finite_differences(lambda A, X: float(np.trace(A @ X)), wrt=1),
        [(rng.normal(size=(2, 3)), rng.normal(size=(3, 2)))],
        tolerance=FINITE_DIFFERENCE_OF_LINEAR,
        mistakes=trace_mistakes,
    )
