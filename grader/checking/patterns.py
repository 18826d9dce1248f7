"""Describing a wrong answer that no known mistake explains, from what the wrong values look like.

Pure functions on NumPy arrays and argument tuples, run on the grader's side. They name kinds of
mistakes, not particular ones:

- ``entry_pattern``: which entries of a vector or matrix are wrong and which right, with the
  shape of the wrong ones (one component, one row or column, the diagonal, entries shifted by
  one) and what is wrong with them (the sign, a factor, left at 0);
- ``edge_inputs``: an answer right at most inputs and wrong only at the ones sharing a feature
  (a zero vector, large values, a single entry, an answer of 0: the edge cases);
- ``nonfinite_cause``: why an answer is NaN or infinite where the right one is finite, telling
  an exp that overflowed from the log of a probability that rounded to 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

EXP_OVERFLOW = 709.78  # exp(t) is inf in float64 for t above this
EXP_UNDERFLOW = 745.13  # exp(-t) is 0 in float64 for t above this
LARGE_INPUT = 100.0  # inputs at least this large are "large" (exp, squares and cancellation misbehave)
LISTED_ENTRIES = 4  # wrong entries named one by one; more are counted

Agree = Callable[[np.ndarray, np.ndarray], np.ndarray]  # elementwise "close enough" under the check's tolerance


# ---------------------------------------------------------------- which entries


def entry_pattern(got: np.ndarray, expected: np.ndarray, agree: Agree) -> str:
    """Which entries are wrong and which right (or "" when all are wrong without a pattern)."""
    if got.shape != expected.shape or got.size < 2 or not np.all(np.isfinite(got)):
        return ""
    shifted = _shifted(got, expected, agree)
    if shifted:
        return shifted
    wrong = ~agree(got, expected)
    if not wrong.any() or wrong.all():
        return ""
    where, verb, rest = _where(wrong)
    how = _how(got[wrong], expected[wrong], agree)
    return f"{where} {verb} wrong{f' ({how})' if how else ''}; {rest}."


def _shifted(got: np.ndarray, expected: np.ndarray, agree: Agree) -> str:
    """Entries (or rows) shifted by one place: the right values recorded a step late or early."""
    if got.shape[0] < (3 if got.ndim == 1 else 2) or np.allclose(expected[1:], expected[:-1]):
        return ""  # in a pair of numbers one match is no pattern; a pair of rows (a path's) may be one
    kind, kinds = ("entry", "entries") if got.ndim == 1 else ("row", "rows")
    if agree(got[:-1], expected[1:]).all():
        return (
            f"Your {kinds} are shifted by one: {kind} [k] holds the right value of {kind} [k + 1] "
            "(the first one missing, or each recorded one step late?)."
        )
    if agree(got[1:], expected[:-1]).all():
        return (
            f"Your {kinds} are shifted by one: {kind} [k + 1] holds the right value of {kind} [k] "
            "(an extra one at the start, or each recorded one step early?)."
        )
    return ""


def _where(wrong: np.ndarray) -> tuple[str, str, str]:
    """Where the wrong entries are, the verb that goes with it, and a phrase for the right ones."""
    where, rest = _place(wrong)
    single = where.startswith(("Only", "Row", "Column"))
    return where, "is" if single else "are", rest


def _place(wrong: np.ndarray) -> tuple[str, str]:
    if wrong.ndim == 1:
        return _listed("component", np.flatnonzero(wrong), wrong.size), _rest("component", np.flatnonzero(~wrong))
    if wrong.ndim == 2:
        rows, columns = np.flatnonzero(wrong.any(axis=1)), np.flatnonzero(wrong.any(axis=0))
        if wrong.shape[0] == wrong.shape[1]:
            diagonal = np.eye(wrong.shape[0], dtype=bool)
            if np.array_equal(wrong, diagonal):
                return "The diagonal entries", "the off-diagonal entries are right"
            if np.array_equal(wrong, ~diagonal):
                return "The off-diagonal entries", "the diagonal is right"
        if rows.size == 1 and wrong[rows[0]].all():
            return f"Row [{rows[0]}]", "the other rows are right"
        if columns.size == 1 and wrong[:, columns[0]].all():
            return f"Column [{columns[0]}]", "the other columns are right"
        if rows.size > 1 and all(wrong[r].all() for r in rows):
            return _listed("row", rows, wrong.shape[0]), "the other rows are right"
        if columns.size > 1 and all(wrong[:, c].all() for c in columns):
            return _listed("column", columns, wrong.shape[1]), "the other columns are right"
    indices = [tuple(int(i) for i in index) for index in np.argwhere(wrong)]
    names = ", ".join(f"[{', '.join(map(str, i))}]" for i in indices[:LISTED_ENTRIES])
    more = f" and {len(indices) - LISTED_ENTRIES} more" if len(indices) > LISTED_ENTRIES else ""
    lead = "Only entry" if len(indices) == 1 else f"{len(indices)} of {wrong.size} entries,"
    return f"{lead} {names}{more}", "the others are right"


def _listed(kind: str, indices: np.ndarray, total: int) -> str:
    names = ", ".join(f"[{i}]" for i in indices[:LISTED_ENTRIES])
    if indices.size == 1:
        return f"Only {kind} {names}"
    more = f" and {indices.size - LISTED_ENTRIES} more" if indices.size > LISTED_ENTRIES else ""
    return f"{indices.size} of {total} {kind}s, {names}{more},"


def _rest(kind: str, right: np.ndarray) -> str:
    if right.size == 1:
        return f"{kind} [{right[0]}] is right"
    return f"the other {kind}s are right"


def _how(got: np.ndarray, expected: np.ndarray, agree: Agree) -> str:
    """What the wrong entries have in common: a flipped sign, a factor, zeros, or their values."""
    if np.any(expected) and agree(-got, expected).all():
        return "the sign is flipped" if got.size == 1 else "their signs are flipped"
    if not np.any(got):
        return "left at 0: never computed?"
    gaps = np.abs(got - expected)
    gap = round(float(gaps[0]))
    if gap in (1, 2) and np.all(np.abs(gaps - gap) <= 1e-9):  # the 1 of a one-hot vector misplaced
        hint = "a 1 added or subtracted in the wrong place?" if gap == 1 else "+1 where -1 belongs, or the reverse?"
        return f"{'off' if got.size == 1 else 'each off'} by exactly {gap}: {hint}"
    if np.all(expected != 0):
        ratios = got / expected
        factor = factor_name(float(ratios[0]))
        shared = np.allclose(ratios, ratios[0], rtol=1e-6) and agree(got, ratios[0] * expected).all()
        if shared and (got.size > 1 or factor in NAMED_FACTORS):  # one odd ratio says nothing
            return f"{factor} times the right value"
    if got.size == 1:
        return f"expected {float(expected[0]):.6g}, got {float(got[0]):.6g}"
    return ""


NAMED_FACTORS = {"2": 2.0, "1/2": 0.5, "4": 4.0, "1/4": 0.25, "-2": -2.0, "-1/2": -0.5}


def factor_name(factor: float) -> str:
    """2, 1/2, ... for the factors mistakes produce; the number otherwise."""
    for name, value in NAMED_FACTORS.items():
        if abs(factor - value) <= 1e-6 * abs(value):
            return name
    return f"{factor:.4g}"


# ---------------------------------------------------------------- at which inputs


def numbers_in(args: Sequence) -> np.ndarray:
    """Every number in an argument tuple (arrays flattened; functions and text left out)."""
    found = []
    for value in args:
        if isinstance(value, (bool, np.bool_)):
            continue
        if isinstance(value, (int, float, np.number)):
            found.append(float(value))
        elif isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
            found.extend(value.astype(float).ravel().tolist())
        elif isinstance(value, (list, tuple)):
            found.extend(numbers_in(value).tolist())
    return np.asarray(found, dtype=float)


def _arrays(args: Sequence) -> list[np.ndarray]:
    return [np.asarray(a, dtype=float) for a in args if isinstance(a, np.ndarray) and a.dtype.kind in "iuf"]


def _scalar(value) -> float | None:
    array = np.asarray(value) if isinstance(value, (int, float, np.number, np.ndarray)) else None
    if array is None or array.ndim != 0 or array.dtype.kind not in "iuf":
        return None
    return float(array)


def _answer_is_zero(args: tuple, expected) -> bool:
    return _scalar(expected) == 0.0


def _answer_is_a_length(args: tuple, expected) -> bool:
    """An index answer equal to an array's length: "none found" by the contract's convention."""
    if not isinstance(expected, (int, np.integer)) or isinstance(expected, bool):
        return False
    return any(a.ndim == 1 and a.size == expected for a in _arrays(args))


def _zero_vector(args: tuple, expected) -> bool:
    return any(a.size and not a.any() for a in _arrays(args))


def _zero_scalar(args: tuple, expected) -> bool:
    return any(_scalar(a) == 0.0 for a in args if not isinstance(a, (bool, np.bool_)))


def _large_values(args: tuple, expected) -> bool:
    values = numbers_in(args)
    return values.size > 0 and float(np.max(np.abs(values))) >= LARGE_INPUT


def _single_entry(args: tuple, expected) -> bool:
    return any(a.size == 1 for a in _arrays(args))


def _non_square(args: tuple, expected) -> bool:
    return any(a.ndim == 2 and a.shape[0] != a.shape[1] for a in _arrays(args))


def _ties(args: tuple, expected) -> bool:
    return any(a.ndim == 1 and np.unique(a).size < a.size for a in _arrays(args))


def _negative_scalar(args: tuple, expected) -> bool:
    return any((_scalar(a) or 0.0) < 0 for a in args if not isinstance(a, (bool, np.bool_)))


# The edge cases, in the order they are named: (what the failing inputs share, whether a case has it).
EDGE_CASES: list[tuple[str, Callable[[tuple, object], bool]]] = [
    ("the right answer is 0", _answer_is_zero),
    ("the right answer is the length of an argument (nothing qualifies)", _answer_is_a_length),
    ("an argument is a zero vector", _zero_vector),
    ("an argument is 0", _zero_scalar),
    (f"inputs are large (|values| of {LARGE_INPUT:g} and more)", _large_values),
    ("an array has a single entry", _single_entry),
    ("a matrix is not square", _non_square),
    ("a vector has repeated values (ties)", _ties),
    ("an argument is negative", _negative_scalar),
]


def edge_inputs(
    cases: Sequence[tuple],
    expectations: Sequence,
    answers: Sequence,
    right: Sequence[bool],
    parameters: Sequence[str] = (),
) -> str:
    """ "Right at the other inputs, wrong only where ...": what only the failing inputs share.

    Either a feature of the inputs or the answer (``EDGE_CASES``), or the value of one plain
    argument (``y = 1``, ``tol`` left at its default) that no passing input has.
    """
    failing = [i for i, ok in enumerate(right) if not ok]
    passing = [i for i, ok in enumerate(right) if ok]
    if not failing or not passing:
        return ""
    others = f"the other {len(passing)} inputs" if len(passing) > 1 else "the other input"
    for name, holds in EDGE_CASES:
        try:
            shared = all(holds(cases[i], expectations[i]) for i in failing)
            if shared and not any(holds(cases[i], expectations[i]) for i in passing):
                return f"Right at {others}, wrong only where {name}{_off_by_one(failing, expectations, answers)}."
        except (TypeError, ValueError):
            continue
    where = _argument_value(cases, failing, passing, parameters)
    return f"Right at {others}, wrong only where {where}." if where else ""


DEFAULT = "its default"  # an argument the call leaves out


def _argument_value(cases: Sequence[tuple], failing: list[int], passing: list[int], parameters: Sequence[str]) -> str:
    """ "y = 1" when a plain argument has, at every failing input, a value no passing input has.

    Only arguments that label cases (a flag, a label among two or three, an option given or left
    at its default) are read: any number drawn at random would single out the failing inputs.
    """
    found = []
    for position in range(max(len(c) for c in cases)):
        values = [_plain(cases[i][position]) if position < len(cases[i]) else DEFAULT for i in range(len(cases))]
        if any(v is None for v in values):
            continue
        name = parameters[position] if position < len(parameters) else f"argument {position + 1}"
        failing_values, passing_values = {values[i] for i in failing}, {values[i] for i in passing}
        if failing_values & passing_values:
            continue
        if passing_values == {DEFAULT}:
            shown = " or ".join(sorted(f"{v:g}" if isinstance(v, float) else str(v) for v in failing_values))
            found.append(f"{name} is given ({shown}) rather than left at its default")
        elif failing_values == {DEFAULT}:
            found.append(f"{name} is left at its default")
        elif len(failing_values) == 1 and len(set(values)) <= min(3, len(values) - 1):  # labels repeat
            (value,) = failing_values
            found.append(f"{name} = {value:g}" if isinstance(value, float) else f"{name} = {value}")
    return " and ".join(found)


def _plain(value) -> float | bool | None:
    """A plain scalar argument (a label, a flag, a step count), or None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return _scalar(value)


def _off_by_one(failing: list[int], expectations: Sequence, answers: Sequence) -> str:
    differences = set()
    for i in failing:
        expected, got = _scalar(expectations[i]), _scalar(answers[i])
        if expected is None or got is None:
            return ""
        differences.add(got - expected)
    if differences == {1.0}:
        return ": your answer is 1 too large there (does a loop start at index 1 instead of 0?)"
    if differences == {-1.0}:
        return ": your answer is 1 too small there (off by one?)"
    return ""


# ---------------------------------------------------------------- why not finite

NOT_FINITE = "NaN or infinity where the right answer is finite"
OVERFLOW = (
    "exp of a large number overflowed (exp(t) is inf for t > 709, and then inf / inf or inf - inf is NaN): "
    "subtract the maximum before taking exp"
)
UNDERFLOW = (
    "the log of a probability that rounded to 0 (exp(t) is 0 for t < -745, log(0) = -inf, 0 * log(0) = NaN); "
    "subtracting the maximum does not prevent it: compute the log directly, log p = z - logsumexp(z) "
    "(or log1p, logaddexp), rather than the log of a value that has underflowed"
)


INVALID = (
    "at inputs this small an exp can neither overflow nor underflow, so look first for an invalid operation: "
    "the square root or log of a negative number, 0 / 0, or a sign slip that makes one"
)


def nonfinite_cause(failing_args: tuple, handled_large_inputs: bool) -> str:
    """Why an answer is NaN or inf where the right one is finite, judged from the inputs.

    ``handled_large_inputs``: the same function was right at another input holding values above
    709, so it does not overflow there.
    """
    values = numbers_in(failing_args)
    largest = float(np.max(values)) if values.size else 0.0
    spread = float(np.ptp(values)) if values.size else 0.0
    smallest = float(np.min(values)) if values.size else 0.0
    can_overflow = largest > EXP_OVERFLOW and not handled_large_inputs
    can_underflow = spread > EXP_UNDERFLOW or smallest < -EXP_UNDERFLOW
    if can_underflow and not can_overflow:
        return f"{NOT_FINITE}: most likely {UNDERFLOW}."
    if can_overflow and not can_underflow:
        return f"{NOT_FINITE}: {OVERFLOW}."
    # Even a sum of products of every input with every other stays far from exp's range here.
    tiny = values.size and float(np.max(np.abs(values))) ** 2 * values.size < EXP_OVERFLOW / 10
    if tiny and not can_underflow:
        return f"{NOT_FINITE}: {INVALID}."
    return f"{NOT_FINITE}. Either {OVERFLOW}; or {UNDERFLOW}."
