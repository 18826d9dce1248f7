"""Everything a check author needs, in one import: ``from grader.checking.checks import ...``.

A check is a small function in ``grader/exercises/exNN_<slug>.py``::

    @check(part="a", points=2)
    def df_dx_at_random_points(sub, ref, rng):
        \"\"\"df/dx agrees with 3x^2 y + y e^{xy} at random points.\"\"\"
        compare_calls(sub.df_dx, ref.df_dx, rng.uniform(-1.5, 1.5, (6, 2)), tolerance=CLOSED_FORM)

``sub`` calls the learner's functions in the isolated worker, ``ref`` is the instructor's
reference module, ``rng`` a generator seeded from the submission's seed and the check's name.
A check passes by returning and fails by raising ``CheckFailed`` with a message a student can
act on; the helpers below build those messages (input, expected, got, diagnosis). A learner's
function that raises raises ``LearnerError`` in the check (catch it only to explain it better).
Any other exception is read as the check's own fault unless the same check passes with the
reference in place of the learner's code: then it is the learner's value it could not use.

The idioms:

- compare with the reference: ``compare_calls(sub.f, ref.f, cases, tolerance=CLOSED_FORM)``;
- compare with finite differences: the same call with a grader-side numerical reference,
  ``compare_calls(sub.grad, gradient_by_finite_differences(ref.loss, wrt=2), cases,
  tolerance=FINITE_DIFFERENCE, mistakes=...)``, which keeps the named mistakes and
  "wrong at n of m";
- grade a part of a learner's answer (one item of a pair, the last row of a path):
  ``Transformed(sub.f, transform, label=...)``, which keeps the one round trip per check.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from grader.checking.diagnose import (
    FLOAT32_RTOL,
    Tolerance,
    Verdict,
    as_array,
    compare,
    diagnose,
    format_pair,
    format_value,
    is_float32,
    same_factor_everywhere,
)
from grader.checking.inputs import NotRecorded
from grader.checking.patterns import EXP_OVERFLOW, edge_inputs, nonfinite_cause, numbers_in
from grader.checking.session import LearnerError
from grader.isolation.wire import Fn
from grader.model import Failure

__all__ = [
    "CLOSED_FORM",
    "DEFAULT",
    "EXACT",
    "FINITE_DIFFERENCE",
    "FINITE_DIFFERENCE_SMALL",
    "FLOAT32_RTOL",
    "LEARNER_FINITE_DIFFERENCE",
    "NUMERICAL",
    "PROBABILITIES",
    "ROUNDING",
    "CheckFailed",
    "Fn",
    "LearnerError",
    "Tolerance",
    "Transformed",
    "as_array",
    "check",
    "compare_calls",
    "expect_close",
    "expect_contract_defaults",
    "expect_finite_answers",
    "expect_unchanged",
    "finite_difference_gradient",
    "format_value",
    "is_float32",
    "gradient_by_finite_differences",
    "matches",
]

# ---------------------------------------------------------------- named tolerances
# |got - expected| <= atol + rtol * |expected|, elementwise. A check states which one it uses.

EXACT = Tolerance(rtol=0, atol=0)  # integers, counts, indices: no rounding at all
ROUNDING = Tolerance(rtol=1e-12, atol=1e-12)  # a formula of a few operations: only rounding differs
CLOSED_FORM = Tolerance(rtol=1e-8, atol=1e-10)  # the reference's formula, computed in another order
PROBABILITIES = Tolerance(rtol=1e-7, atol=1e-12)  # values that may be tiny (probabilities): a tiny atol
NUMERICAL = Tolerance(rtol=1e-6, atol=1e-8)  # a solve, a normalisation or an iteration: rounding accumulates
DEFAULT = Tolerance(rtol=1e-6, atol=1e-9)  # what compare_calls and expect_close use when none is named
FINITE_DIFFERENCE = Tolerance(rtol=1e-5, atol=1e-6)  # against centred differences with h = 1e-6
FINITE_DIFFERENCE_SMALL = Tolerance(rtol=1e-5, atol=1e-8)  # the same, for small values (probabilities)
LEARNER_FINITE_DIFFERENCE = Tolerance(rtol=1e-4, atol=1e-5)  # a learner's own estimate against the exact value


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
    """A check's verdict on a wrong answer, with what the report shows about it.

    Parameters
    ----------
    message:
        What is wrong, for the student: the call, what was expected and got, the diagnosis.
    call, expected, got, tolerance, diagnosis:
        The same, field by field (see ``grader.model.Failure``), for the report's table and the
        class dashboard's grouping; ``diagnosis`` names the mistake in a short sentence.

    Example
    -------
    >>> raise CheckFailed("f(x=1.0) returned a list: return a float.", diagnosis="Return a float.")
    Traceback (most recent call last):
    grader.checking.checks.CheckFailed: f(x=1.0) returned a list: return a float.
    """

    def __init__(self, message: str, **failure: str):
        super().__init__(message)
        self.message = message
        self.failure = Failure(**failure)


def check(*, part: str, points: float, hidden: bool = False) -> Callable:
    """Mark a function as a graded check worth ``points``, answering exercise part ``part``.

    Parameters
    ----------
    part:
        The exercise part the check grades ("a", "b", ...), as the assignment names them.
    points:
        What the check is worth; 0 makes it feedback only (it explains, it costs nothing).
    hidden:
        Run it only in the instructor's grading: public runs skip it and ``grader release``
        leaves it out of the students' repository.

    Example
    -------
    >>> @check(part="a", points=2)
    ... def df_dx_at_random_points(sub, ref, rng):
    ...     compare_calls(sub.df_dx, ref.df_dx, rng.uniform(-1.5, 1.5, (6, 2)), tolerance=CLOSED_FORM)
    >>> df_dx_at_random_points.grader_check
    {'part': 'a', 'points': 2, 'hidden': False}
    """

    def mark(function):
        function.grader_check = {"part": part, "points": points, "hidden": hidden}
        return function

    return mark


def _tolerance(tolerance: Tolerance, rtol: float | None, atol: float | None, **flags: bool) -> Tolerance:
    changes = {k: v for k, v in {"rtol": rtol, "atol": atol, **flags}.items() if v not in (None, False)}
    return replace(tolerance, **changes) if changes else tolerance


def expect_close(
    got,
    expected,
    *,
    what: str,
    tolerance: Tolerance = DEFAULT,
    rtol: float | None = None,
    atol: float | None = None,
    unit: bool = False,
    mistakes: dict | None = None,
) -> None:
    """Fail unless ``got`` equals ``expected`` within ``tolerance``: one comparison of a derived quantity.

    Prefer ``compare_calls`` when comparing a learner's function at several inputs: it says at
    how many inputs the answer was wrong and recognises an answer hard-coded for one input.

    Parameters
    ----------
    got:
        The learner's value (any shape; a value that is not numbers fails with a message).
    expected:
        The right value, computed by the grader.
    what:
        What was compared, starting the message, e.g. ``sub.f.describe(args)``.
    tolerance:
        One of the named tolerances, or ``Tolerance(rtol=..., atol=...)``; ``rtol``/``atol``
        override one of its fields.
    unit:
        The answer should be a unit vector (names "not unit length" as a mistake).
    mistakes:
        {explanation: the value that known mistake would give}, for the diagnosis.

    Example
    -------
    >>> expect_close(1.0 + 1e-12, 1.0, what="the length of the path", tolerance=CLOSED_FORM)
    >>> expect_close(-1.0, 1.0, what="f(x=2.0)", tolerance=EXACT)
    Traceback (most recent call last):
    grader.checking.checks.CheckFailed: f(x=2.0): expected 1, got -1 (rtol 0, atol 0). Sign flipped: ...
    """
    tol = _tolerance(tolerance, rtol, atol)
    verdict = compare(got, expected, tol)
    if not verdict.ok:
        raise _failure(what, got, expected, tol, verdict, unit=unit, known=mistakes)


def compare_calls(
    learner_fn,
    reference_fn: Callable,
    cases: Iterable,
    *,
    tolerance: Tolerance = DEFAULT,
    rtol: float | None = None,
    atol: float | None = None,
    angle: bool = False,
    unordered: bool = False,
    up_to_sign: bool = False,
    unit: bool = False,
    mistakes: Callable | None = None,
) -> None:
    """Call the learner's function and the reference at every case and compare the answers.

    All cases are evaluated (the learner's in one round trip to the worker), so that the message
    can say "wrong at n of m inputs" and "the same answer for every input" is visible; the first
    wrong case is the one shown.

    Parameters
    ----------
    learner_fn:
        ``sub.<name>``, or a ``Transformed`` view of it.
    reference_fn:
        The right answer for the same arguments: ``ref.<name>``, or a grader-side computation
        such as ``gradient_by_finite_differences(...)``.
    cases:
        Argument tuples; a row of a 2-D array counts as a tuple of floats, any other single
        value as a one-argument call.
    tolerance:
        One of the named tolerances (``EXACT``, ``ROUNDING``, ``CLOSED_FORM``, ``DEFAULT``,
        ``FINITE_DIFFERENCE``) or the exercise's own ``Tolerance``; ``rtol``/``atol`` override a
        field for a one-off comparison.
    angle, unordered, up_to_sign:
        Compare modulo 2 pi; accept a pair in either order; accept a vector or its negative.
    unit:
        The answer should be a unit vector.
    mistakes:
        ``mistakes(*args)`` returns {explanation: the value that known mistake would give} at
        those arguments; the message names the one the learner's answer matches.

    Example
    -------
    >>> compare_calls(
    ...     sub.df_dx, ref.df_dx, rng.uniform(-1.5, 1.5, (6, 2)),
    ...     tolerance=CLOSED_FORM,
    ...     mistakes=lambda x, y: {"That is df/dy.": ref.df_dy(x, y)},
    ... )  # doctest: +SKIP
    """
    tol = _tolerance(tolerance, rtol, atol, angle=angle, unordered=unordered, up_to_sign=up_to_sign)
    cases = [_as_args(case) for case in cases]
    expectations = [reference_fn(*fresh_copy(args)) for args in cases]
    answers = _call_all(learner_fn, cases)
    if mistakes and _EXPLAIN_EVERY_CASE.get():
        for args in cases:
            _known_mistakes(mistakes, args)
    verdicts = [compare(got, expected, tol) for got, expected in zip(answers, expectations)]
    failures = [(a, g, e, v) for a, g, e, v in zip(cases, answers, expectations, verdicts) if not v.ok]
    if not failures:
        return
    args, got, expected, verdict = failures[0]
    handled_large = any(v.ok and np.any(numbers_in(a) > EXP_OVERFLOW) for a, v in zip(cases, verdicts))
    raise _failure(
        learner_fn.describe(args),
        got,
        expected,
        tol,
        verdict,
        unit=unit,
        known=_explaining_every_failure(mistakes, failures, tol) if mistakes else None,
        constant=_same_for_every_input(answers, expectations),
        n_failed=len(failures),
        n_cases=len(cases),
        factor_evidence=same_factor_everywhere([(f[1], f[2]) for f in failures]),
        nonfinite=nonfinite_cause(args, handled_large),
        edge=edge_inputs(cases, expectations, answers, [v.ok for v in verdicts], getattr(learner_fn, "parameters", ())),
    )


def fresh_copy(value):
    """A copy of a call's arguments that the called function may change without changing the original.

    The arguments are the checks' own (floats, float arrays, tuples, trusted functions): those are
    copied directly, far faster than ``copy.deepcopy``, which takes anything else.
    """
    if isinstance(value, np.ndarray) and value.dtype != object:  # the most common first
        return value.copy()
    if isinstance(value, tuple):
        return tuple(fresh_copy(v) for v in value)
    if isinstance(value, (float, int, str, Fn)) or value is None:
        return value  # immutable (an Fn is never changed by the functions it is given to)
    if isinstance(value, list):
        return [fresh_copy(v) for v in value]
    return copy.deepcopy(value)


def matches(got, value, tolerance: Tolerance = DEFAULT) -> bool:
    """Whether a learner's answer equals ``value`` within ``tolerance`` (False when it is not numbers).

    For checks that look for one particular answer, e.g. a mistake worth its own feedback.

    Parameters
    ----------
    got:
        The learner's value, as ``sub.<name>(...)`` returned it.
    value:
        The value to recognise.
    tolerance:
        How close counts as equal.

    Example
    -------
    >>> matches([2.0, 4.0], np.array([2.0, 4.0]), CLOSED_FORM), matches("2, 4", [2.0, 4.0])
    (True, False)
    """
    return compare(got, value, tolerance).ok


def _call_all(function, cases: Sequence[tuple]) -> list:
    """``function`` at every case: in one round trip when it is the learner's, else one call each."""
    call_many = getattr(function, "call_many", None)
    return call_many(list(cases)) if call_many else [function(*args) for args in cases]


class Transformed:
    """A learner's function seen through a transformation of its answer, still called in one round trip.

    Use it to grade one part of an answer (an item of a returned pair, the last row of a path)
    or to explain a malformed answer before its values are compared: ``transform`` may raise
    ``CheckFailed``. It works on the reference's functions too (called one case at a time).

    Parameters
    ----------
    function:
        ``sub.<name>`` (or ``ref.<name>``).
    transform:
        ``transform(args, answer)`` returns the value to compare for the call ``function(*args)``.
    label:
        How the message names the transformed value: "f(x=1.0) -> w" for label "w".
    describe:
        Instead of ``label``: ``describe(args)`` gives the whole description of a call.

    Example
    -------
    >>> weights = Transformed(sub.gradient_descent_lr, lambda args, answer: answer[0], label="w")  # doctest: +SKIP
    >>> compare_calls(weights, lambda *args: ref.gradient_descent_lr(*args)[0], cases)  # doctest: +SKIP
    """

    def __init__(
        self,
        function,
        transform: Callable[[tuple, Any], Any],
        *,
        label: str = "",
        describe: Callable[[tuple], str] | None = None,
    ):
        self.function = function
        self.transform = transform
        self.label = label
        self._describe = describe

    def call_many(self, cases: list[tuple]) -> list:
        return [self.transform(args, answer) for args, answer in zip(cases, _call_all(self.function, cases))]

    def __call__(self, *args):
        return self.call_many([args])[0]

    def describe(self, args: tuple) -> str:
        if self._describe is not None:
            return self._describe(args)
        described = self.function.describe(args)
        return f"{described} -> {self.label}" if self.label else described


def _known_mistakes(mistakes: Callable, args: tuple) -> dict | None:
    try:
        return mistakes(*fresh_copy(args))
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
    except (TypeError, ValueError, OverflowError):
        return False
    return same and varied


def _failure(
    what: str,
    got,
    expected,
    tol: Tolerance,
    verdict: Verdict,
    *,
    unit: bool = False,
    known: dict | None = None,
    constant: bool = False,
    n_failed: int = 1,
    n_cases: int = 1,
    factor_evidence: bool = False,
    nonfinite: str = "",
    edge: str = "",
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
    shown_expected, shown_got = format_pair(expected, got)
    message = f"{what}: expected {shown_expected}, got {shown_got} ({tol})."
    if diagnosis:
        message += f" {diagnosis}"
    if n_cases > 1:
        message += f" Wrong at {n_failed} of {n_cases} inputs."
    return CheckFailed(
        message,
        call=what,
        expected=shown_expected,
        got=shown_got,
        tolerance=str(tol),
        diagnosis=diagnosis,
    )


def expect_finite_answers(learner_fn, cases: Iterable) -> None:
    """Fail unless the learner's function answers a finite number (or array of them) at every case.

    For what a contract asks of large inputs ("finite for large logits") where the exact value
    goes beyond it: the exact value is then a feedback-only check of its own.

    Parameters
    ----------
    learner_fn:
        ``sub.<name>``, called at every case in one round trip.
    cases:
        Argument tuples, as for ``compare_calls``.

    Example
    -------
    >>> expect_finite_answers(sub.ce_loss, [(np.array([1000.0, -1000.0]), 1)])  # doctest: +SKIP
    """
    cases = [_as_args(case) for case in cases]
    answers = _call_all(learner_fn, cases)
    finite = [as_array(got) is not None and bool(np.all(np.isfinite(as_array(got)))) for got in answers]
    handled_large = any(ok and np.any(numbers_in(args) > EXP_OVERFLOW) for args, ok in zip(cases, finite))
    for args, got, ok in zip(cases, answers, finite):
        if not ok:
            cause = nonfinite_cause(args, handled_large) if as_array(got) is not None else ""
            raise CheckFailed(
                f"{learner_fn.describe(args)}: expected a finite number, got {format_value(got)}. {cause}".strip(),
                call=learner_fn.describe(args),
                got=format_value(got),
                diagnosis=cause or "Not a number: a finite number is expected.",
            )


def expect_contract_defaults(learner_fn, cases: Iterable, defaults: dict[str, float]) -> None:
    """Fail unless the learner's function, called without its last parameters, answers as with ``defaults``.

    A default is part of the signature the assignment gives: a caller that leaves the parameter
    out relies on it. Both calls run the learner's own code, so with the right defaults the two
    answers agree to rounding, however accurate the function is.

    Parameters
    ----------
    learner_fn:
        ``sub.<name>``, called twice at every case, each time in one round trip.
    cases:
        Argument tuples without the defaulted parameters.
    defaults:
        {parameter: the contract's default}, the function's last parameters, in order.

    Example
    -------
    >>> cases = [(Fn("lambda x, y: x * y"), 0.3, 0.2)]
    >>> expect_contract_defaults(sub.mixed_partial_fd, cases, {"h": 1e-4})  # doctest: +SKIP
    """
    cases = [_as_args(case) for case in cases]
    left_out = _call_all(learner_fn, cases)
    given = _call_all(learner_fn, [args + tuple(defaults.values()) for args in cases])
    named = ", ".join(f"{name}={value:g}" for name, value in defaults.items())
    for args, without, with_defaults in zip(cases, left_out, given):
        if not compare(without, with_defaults, ROUNDING).ok:
            diagnosis = (
                f"The assignment's signature gives the default {named}: set it in your def line,"
                " so that a call leaving it out gets it."
            )
            without, with_defaults = format_value(without, digits=15), format_value(with_defaults, digits=15)
            raise CheckFailed(
                f"{learner_fn.describe(args)} gives {without}, but {with_defaults} with {named} given. {diagnosis}",
                call=learner_fn.describe(args),
                expected=with_defaults,
                got=without,
                diagnosis=diagnosis,
            )


def expect_unchanged(function, *args, right: Callable, tolerance: Tolerance = CLOSED_FORM) -> None:
    """Call ``function`` once; fail if it modified an array argument in place, or if its answer is wrong.

    Leaving the arguments alone earns points only with a right answer (a function that returns a
    constant modifies nothing), so the answer is compared with ``right`` at the same arguments.

    Parameters
    ----------
    function:
        ``sub.<name>``: the worker reports which arguments the call changed.
    args:
        The arguments of the call.
    right:
        The right answer's function, ``ref.<name>``.
    tolerance:
        How close the answer must be (a tuple answer is compared item by item).

    Example
    -------
    >>> expect_unchanged(sub.gradient_descent_lr, X, y, w0, 0.1, 5, right=ref.gradient_descent_lr)  # doctest: +SKIP
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
    expected = right(*fresh_copy(args))
    if not _agrees(got, expected, tolerance):
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
    """Centred differences of ``f`` at ``x`` (any shape), computed by the grader.

    For a scalar ``f`` the result has the shape of ``x``; for an array-valued ``f`` it is the
    Jacobian, of shape ``f(x).shape + x.shape`` (row i: the gradient of output i).

    Parameters
    ----------
    f:
        A trusted function of an array shaped like ``x`` (the reference's, or a formula).
    x:
        Where to differentiate.
    h:
        The step; the error is O(h^2), hence ``FINITE_DIFFERENCE``'s tolerance for h = 1e-6.

    Example
    -------
    >>> finite_difference_gradient(lambda v: float(v @ v), [1.0, 2.0]).round(6)
    array([2., 4.])
    >>> finite_difference_gradient(lambda v: 3 * v, [1.0, 2.0]).round(6)
    array([[3., 0.],
           [0., 3.]])
    """
    x = np.array(x, dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        columns.append((index, np.asarray(f(x + step), dtype=float) - np.asarray(f(x - step), dtype=float)))
    shape = columns[0][1].shape if columns else ()
    result = np.zeros(shape + x.shape)
    for index, difference in columns:
        result[(..., *index)] = difference / (2 * h)
    return result


def gradient_by_finite_differences(f: Callable, wrt: int = 0, h: float = 1e-6) -> Callable:
    """A numerical reference for a gradient function: centred differences of ``f`` in argument ``wrt``.

    Compare it with ``compare_calls(..., tolerance=FINITE_DIFFERENCE)``: the learner's gradient
    then gets the same messages (named mistakes, wrong at n of m) as against the reference. For
    an array-valued ``f`` it gives the Jacobian (row i: the gradient of output i).

    Parameters
    ----------
    f:
        The function the learner's gradient differentiates, taking the same arguments
        (e.g. ``ref.mse_loss`` for ``mse_grad(X, y, w)``).
    wrt:
        The position of the argument the gradient is taken with respect to.
    h:
        The finite-difference step.

    Example
    -------
    >>> numeric = gradient_by_finite_differences(lambda a, x: float(a @ x), wrt=1)
    >>> numeric(np.array([1.0, -2.0]), np.zeros(2)).round(6)
    array([ 1., -2.])
    """

    def gradient(*args):
        def along(value):
            return f(*args[:wrt], value, *args[wrt + 1 :])

        return finite_difference_gradient(along, args[wrt], h)

    return gradient
