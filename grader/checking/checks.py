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
from grader.checking.patterns import EXP_OVERFLOW, edge_inputs, nonfinite_cause, numbers_in
from grader.isolation.wire import Fn

__all__ = [
    "CheckFailed",
    "Fn",
    "check",
    "compare_calls",
    "expect_close",
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
    verdicts = [compare(got, expected, tol) for got, expected in zip(answers, expectations)]
    failures = [(a, g, e, v) for a, g, e, v in zip(cases, answers, expectations, verdicts) if not v.ok]
    if not failures:
        return
    args, got, expected, verdict = failures[0]
    known = _explaining_every_failure(mistakes, failures, tol) if mistakes else None
    constant = _same_for_every_input(answers, expectations)
    factor_evidence = same_factor_everywhere([(f[1], f[2]) for f in failures])
    handled_large = any(v.ok and np.any(numbers_in(a) > EXP_OVERFLOW) for a, v in zip(cases, verdicts))
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
        nonfinite=nonfinite_cause(args, handled_large),
        edge=edge_inputs(cases, expectations, answers, [v.ok for v in verdicts], getattr(learner_fn, "parameters", ())),
    )


def _known_mistakes(mistakes: Callable, args: tuple) -> dict | None:
    try:
        return mistakes(*copy.deepcopy(args))
    except NotRecorded:
        return None  # a public run without this input's mistakes: the generic diagnosis still applies
    except (ArithmeticError, ValueError):
        return None  # a mistake that cannot be computed at this input (a singular matrix) explains nothing


def _explaining_every_failure(mistakes: Callable, failures: list, tol: Tolerance) -> dict | None:
    """The known mistakes at the first failing input that the other failing inputs do not contradict.

    A mistake that gives the learner's answer at one input but not at most others is a coincidence
    (a path of one step is also "every row the final theta"): it is not named. Inputs where the
    answer or the mistake is not finite (a wrong step that overflowed) neither confirm nor contradict.
    """
    known = _known_mistakes(mistakes, failures[0][0])
    if not known or len(failures) == 1:
        return known
    votes = dict.fromkeys(known, 0)
    for args, got, _, _ in failures[1:]:
        there = _known_mistakes(mistakes, args) or {}
        for explanation in votes:
            value = as_array(there.get(explanation))
            answer = as_array(got)
            if value is None or answer is None or not (np.all(np.isfinite(value)) and np.all(np.isfinite(answer))):
                continue
            votes[explanation] += 1 if compare(got, value, tol).ok else -1
    return {explanation: value for explanation, value in known.items() if votes[explanation] >= 0}


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
    what,
    got,
    expected,
    tol,
    verdict,
    unit,
    known,
    constant,
    n_failed=1,
    n_cases=1,
    factor_evidence=False,
    *,
    nonfinite="",
    edge="",
) -> CheckFailed:
    if verdict.float32:
        tol = tol.for_float32()  # the precision the answer was judged at
    diagnosis = verdict.reason
    if not diagnosis:
        diagnosis = diagnose(
            verdict.got, expected, tol, known, unit, factor_evidence, float32=verdict.float32, nonfinite=nonfinite
        )
    if edge:
        diagnosis = f"{diagnosis} {edge}".strip()
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


def expect_unchanged(function, *args) -> None:
    """Call ``function`` and fail if it modified any of its array arguments in place."""
    function(*args)
    if function.mutated:
        names = ", ".join(f"`{n}`" for n in function.mutated)
        first = function.mutated[0]
        raise CheckFailed(
            f"{function.describe(args)} modified its argument {names} in place; copy it first "
            f"(e.g. `{first} = {first}.copy()` at the start): callers do not expect their inputs to change.",
            diagnosis="Argument modified in place.",
        )


def finite_difference_gradient(f: Callable, x, h: float = 1e-6) -> np.ndarray:
    """Centred differences of a scalar function f at x (any shape), computed by the grader."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
