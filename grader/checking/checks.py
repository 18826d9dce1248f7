"""The vocabulary the exercise checks are written in.

A check is a small function in ``grader/exercises/exNN_<slug>.py``::

    @check(part="a", points=2)
    def df_dx_at_random_points(sub, ref, rng):
        \"\"\"df/dx agrees with 3x^2 y + y e^{xy} at random points.\"\"\"
        compare_calls(sub.df_dx, ref.df_dx, rng.uniform(-1.5, 1.5, (6, 2)), rtol=1e-6)

``sub`` calls the learner's functions in the isolated worker, ``ref`` is the instructor's
reference module, ``rng`` a generator seeded from the submission's seed and the check's name.
A check passes by returning and fails by raising ``CheckFailed`` with a message a student can
act on; the helpers below build those messages (input, expected, got, diagnosis).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pytest

from grader.checking.diagnose import Tolerance, as_array, compare, diagnose, format_value, same_factor_everywhere
from grader.checking.inputs import NotRecorded
from grader.isolation.wire import Fn

__all__ = [
    "CheckFailed",
    "Fn",
    "check",
    "compare_calls",
    "expect_close",
    "expect_finite_answers",
    "expect_true",
    "expect_unchanged",
    "finite_difference_gradient",
]


# While the public checks are recorded, known mistakes are evaluated at every input, so that a
# public run can explain a mistake at whichever input it first shows.
_EXPLAIN_EVERY_CASE = contextvars.ContextVar("explain_every_case", default=False)


@contextlib.contextmanager
def explaining_every_case() -> Iterator[None]:
    token = _EXPLAIN_EVERY_CASE.set(True)
    try:
        yield
    finally:
        _EXPLAIN_EVERY_CASE.reset(token)


class CheckFailed(AssertionError):
    """A check's verdict on a wrong answer, with the details the report shows."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


def check(*, part: str, points: float, hidden: bool = False):
    """Mark a function as a graded check worth ``points``, answering exercise part ``part``.

    A ``hidden`` check runs only in the instructor's grading: public runs skip it and
    ``grader release`` leaves it out of the students' repository.
    """

    def mark(function):
        function.grader_check = {"part": part, "points": points, "hidden": hidden}
        return pytest.mark.grader_check(part=part, points=points)(function)

    return mark


def expect_true(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def expect_close(got, expected, *, what: str, rtol: float = 1e-6, atol: float = 1e-9, **options) -> None:
    """One comparison of a derived quantity; ``what`` says what was compared, for the message."""
    tol = Tolerance(rtol=rtol, atol=atol, **{k: v for k, v in options.items() if k != "unit"})
    verdict = compare(got, expected, tol)
    if not verdict.ok:
        raise _failure(what, got, expected, tol, verdict, options.get("unit", False), None, None)


def compare_calls(
    learner_fn,
    reference_fn: Callable,
    cases: Iterable,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    angle: bool = False,
    unordered: bool = False,
    up_to_sign: bool = False,
    unit: bool = False,
    mistakes: Callable | None = None,
) -> None:
    """Call the learner's function and the reference at every case and compare the answers.

    ``cases`` is a list of argument tuples (rows of a 2-D array count as tuples of floats).
    ``mistakes(*args)`` may return {explanation: value a known mistake would give} for the
    diagnosis. All cases are evaluated so that "the same answer for every input" is visible.
    """
    tol = Tolerance(rtol=rtol, atol=atol, angle=angle, unordered=unordered, up_to_sign=up_to_sign)
    cases = [_as_args(case) for case in cases]
    expectations = [reference_fn(*copy.deepcopy(args)) for args in cases]
    call_many = getattr(learner_fn, "call_many", None)  # one round trip to the worker for all cases
    answers = call_many(cases) if call_many else [learner_fn(*args) for args in cases]
    if mistakes and _EXPLAIN_EVERY_CASE.get():
        for args in cases:
            _known_mistakes(mistakes, args)
    failures = []
    for args, got, expected in zip(cases, answers, expectations):
        verdict = compare(got, expected, tol)
        if not verdict.ok:
            failures.append((args, got, expected, verdict))
    if not failures:
        return
    args, got, expected, verdict = failures[0]
    known = _known_mistakes(mistakes, args) if mistakes else None
    constant = _same_for_every_input(answers, expectations)
    factor_evidence = same_factor_everywhere([(f[1], f[2]) for f in failures])
    raise _failure(
        learner_fn.describe(args),
        got,
        expected,
        tol,
        verdict,
        unit,
        known,
        constant,
        len(failures),
        len(cases),
        factor_evidence,
    )


def _known_mistakes(mistakes: Callable, args: tuple) -> dict | None:
    try:
        return mistakes(*copy.deepcopy(args))
    except NotRecorded:
        return None  # a public run without this input's mistakes: the generic diagnosis still applies
    except (ArithmeticError, ValueError):
        return None  # a mistake that cannot be computed at this input (a singular matrix) explains nothing


def _as_args(case) -> tuple:
    if isinstance(case, tuple):
        return case
    if isinstance(case, np.ndarray) and case.ndim == 1:
        return tuple(float(v) for v in case)
    return (case,)


def _same_for_every_input(answers: list, expectations: list) -> bool:
    if len(answers) < 3:
        return False
    try:
        first = np.asarray(answers[0], dtype=float)
        same = all(np.array_equal(np.asarray(a, dtype=float), first) for a in answers[1:])
        varied = not all(np.allclose(np.asarray(e, dtype=float), expectations[0]) for e in expectations[1:])
    except (TypeError, ValueError):
        return False
    return same and varied


def _failure(
    what, got, expected, tol, verdict, unit, known, constant, n_failed=1, n_cases=1, factor_evidence=False
) -> CheckFailed:
    diagnosis = verdict.reason
    if not diagnosis:
        diagnosis = diagnose(verdict.got, expected, tol, known, unit, factor_evidence)
    if constant:
        diagnosis = ("The same answer for every input: is it hard-coded for one example? " + diagnosis).strip()
    message = f"{what}: expected {format_value(expected)}, got {format_value(got)} ({tol})."
    if diagnosis:
        message += f" {diagnosis}"
    if n_cases > 1:
        message += f" Wrong at {n_failed} of {n_cases} inputs."
    return CheckFailed(
        message,
        call=what,
        expected=format_value(expected),
        got=format_value(got),
        tolerance=str(tol),
        diagnosis=diagnosis,
    )


def expect_finite_answers(learner_fn, cases: Iterable) -> None:
    """Fail unless the learner's function answers a finite number (or array of them) at every case."""
    cases = [_as_args(case) for case in cases]
    for args, got in zip(cases, learner_fn.call_many(cases)):
        values = as_array(got)
        if values is None or not np.all(np.isfinite(values)):
            raise CheckFailed(
                f"{learner_fn.describe(args)}: expected a finite number, got {format_value(got)}.",
                call=learner_fn.describe(args),
                got=format_value(got),
                diagnosis="Not finite: for large inputs, avoid exp of large numbers and the log of 0.",
            )


def expect_unchanged(function, *args, right: Callable, rtol: float = 1e-8, atol: float = 1e-10) -> None:
    """Call ``function`` and fail if it modified any of its array arguments in place.

    Leaving the arguments alone earns points only with a right answer (a function that returns a
    constant modifies nothing): the answer is also compared with ``right`` at the same arguments.
    """
    got = function(*args)
    if function.mutated:
        names = ", ".join(f"`{n}`" for n in function.mutated)
        first = function.mutated[0]
        raise CheckFailed(
            f"{function.describe(args)} modified its argument {names} in place; copy it first "
            f"(e.g. `{first} = {first}.copy()` at the start): callers do not expect their inputs to change.",
            diagnosis="Argument modified in place.",
        )
    expected = right(*copy.deepcopy(args))
    if not _agrees(got, expected, Tolerance(rtol=rtol, atol=atol)):
        raise CheckFailed(
            f"{function.describe(args)} leaves its arguments unchanged, but its answer is wrong: expected "
            f"{format_value(expected)}, got {format_value(got)}. Leaving the arguments alone earns its points "
            "together with a right answer; the checks of its values say what is wrong.",
            call=function.describe(args),
            expected=format_value(expected),
            got=format_value(got),
            diagnosis="Arguments unchanged, but the answer is wrong.",
        )


def _agrees(got, expected, tol: Tolerance) -> bool:
    """``compare`` for plain answers, part by part for a tuple such as (w, losses)."""
    if isinstance(expected, tuple):
        return (
            isinstance(got, (tuple, list))
            and len(got) == len(expected)
            and all(_agrees(g, e, tol) for g, e in zip(got, expected))
        )
    return compare(got, expected, tol).ok


def finite_difference_gradient(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """Centred differences of a scalar function f at x (any shape), computed by the grader."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
