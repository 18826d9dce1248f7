"""Comparing a learner's answer with the expected one, and naming the mistake when we can.

Pure functions on plain data (floats, tuples, NumPy arrays), run only on the grader's side.
``compare`` answers "is it right, within tolerance?" (a float32 answer at float32 precision)
and, when it is not, ``diagnose`` looks for the mistakes students actually make: a flipped sign,
a constant factor, a transpose, swapped components, a vector that is not unit length, degrees
for radians, NaN or overflow, a wrong shape, float32 where float64 is needed, or one of the
exercise's own known mistakes passed in by its check; failing those, which entries are wrong
(``grader.checking.patterns``).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field, replace

import numpy as np

from grader.checking.patterns import entry_pattern, factor_name, nonfinite_cause
from grader.isolation.wire import Unsupported

TWO_PI = 2 * math.pi
# A float32 answer is judged at float32 precision: a few roundings of 2**-24 each, relative.
FLOAT32_RTOL = 4 * float(np.finfo(np.float32).eps)
FLOAT32_CAUSE = (
    "Your answer is float32 (about 7 significant digits) and this computation needs float64: compute in "
    "float64 (NumPy's default, dtype=float). float32's rounding errors (about 1e-7 of each value) grow "
    "where close numbers are subtracted, many terms summed or steps repeated."
)
# A learner's list or tuple longer than this is not converted to numbers (the grader's CPU time
# per check stays bounded); no answer in the course has a tenth of that many entries.
MAX_SEQUENCE_ELEMENTS = 100_000


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough: |got - expected| <= atol + rtol * |expected|, elementwise."""

    rtol: float = 1e-6
    atol: float = 1e-9
    angle: bool = False  # compare modulo 2*pi
    unordered: bool = False  # a pair whose order does not matter
    up_to_sign: bool = False  # either orientation of a vector is right

    def __str__(self) -> str:
        extras = [name.replace("_", " ") for name in ("angle", "unordered", "up_to_sign") if getattr(self, name)]
        return f"rtol {self.rtol:g}, atol {self.atol:g}" + "".join(f", {e}" for e in extras)

    def for_float32(self) -> Tolerance:
        """The same tolerance, no tighter than float32's own precision."""
        return replace(self, rtol=max(self.rtol, FLOAT32_RTOL))


# How far float32's rounding can take an answer (a difference quotient divides it by h): a float32
# answer further off is wrong for another reason, which the diagnosis looks for instead.
FLOAT32_PLAUSIBLE = Tolerance(rtol=1e-2, atol=1e-4)


@dataclass
class Verdict:
    ok: bool
    reason: str = ""  # why the value cannot be compared at all (None, wrong shape, ...)
    got: np.ndarray | None = field(default=None, repr=False)
    float32: bool = False  # the answer was float32, and judged at float32 precision


def as_array(value) -> np.ndarray | None:
    """The learner's value as a float array, or None when it is not numbers."""
    if value is None or isinstance(value, (str, bytes, Unsupported, dict)) or _too_long(value):
        return None
    # Only numbers are converted: "1.5" is text, even where NumPy would convert it, and a nested
    # list of strings would become a fixed-width text array of gigabytes.
    if isinstance(value, (list, tuple)) and not _all_numbers(value):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond any float, such as 10**400
        return None


def _too_long(value) -> bool:
    """More than MAX_SEQUENCE_ELEMENTS entries in a list or tuple, however nested (counted only that far)."""
    budget, stack = MAX_SEQUENCE_ELEMENTS, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            budget -= len(item)
            if budget < 0:
                return True
            stack.extend(item)
    return False


def _all_numbers(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_all_numbers(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biuf"
    return isinstance(value, (int, float, bool, np.number, np.bool_))


def describe_type(value) -> str:
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, Unsupported):
        return f"a {_clip(value.type_name[:200])} ({_clip(value.text[:MAX_FORMATTED_CHARS])}), not numbers"
    if not _too_long(value) and _int_beyond_float(value):  # the walk kept within the bound as_array keeps
        return "an integer too large for any float (beyond about 1.8e308), not a number the check can compare"
    return f"a {type(value).__name__}, not numbers"


def _int_beyond_float(value) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_int_beyond_float(v) for v in value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max


def is_float32(value) -> bool:
    """Whether the learner's value holds float32 numbers (arrays keep their precision on the wire)."""
    if isinstance(value, (tuple, list)):
        return any(is_float32(v) for v in value)
    return isinstance(value, (np.ndarray, np.floating)) and value.dtype == np.float32


def close(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> bool:
    """Closeness of every entry under ``tol`` (shapes must already agree)."""
    return bool(np.all(close_entries(got, expected, tol)))


def close_entries(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> np.ndarray:
    """Entry by entry, whether ``got`` is within ``tol`` of ``expected``."""
    with np.errstate(invalid="ignore", over="ignore"):
        if tol.angle:
            diff = np.abs((got - expected + math.pi) % TWO_PI - math.pi)
            return diff <= tol.atol + tol.rtol * TWO_PI
        return np.abs(got - expected) <= tol.atol + tol.rtol * np.abs(expected)


def _close_floats(got: float, expected: float, tol: Tolerance) -> bool:
    """``close_entries`` for two finite Python floats (the same IEEE arithmetic, so the same answer)."""
    if tol.unordered or tol.up_to_sign or not (math.isfinite(got) and math.isfinite(expected)):
        return False
    if tol.angle:
        return abs((got - expected + math.pi) % TWO_PI - math.pi) <= tol.atol + tol.rtol * TWO_PI
    return abs(got - expected) <= tol.atol + tol.rtol * abs(expected)


def compare(value, expected, tol: Tolerance) -> Verdict:
    """Is ``value`` right? Sizes, shapes and types are checked before numbers."""
    if type(value) is float and isinstance(expected, float) and _close_floats(value, expected, tol):
        return Verdict(True)  # most answers are single right numbers: the same test as below, without arrays
    if _too_long(value):
        entries = f"over {MAX_SEQUENCE_ELEMENTS:,} entries"
        return Verdict(False, f"wrong shape: {entries}, expected shape {np.shape(expected)}")
    got = as_array(value)
    if got is None:
        return Verdict(False, f"returned {describe_type(value)}")
    single = is_float32(value)
    if single:
        tol = tol.for_float32()
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return Verdict(False, shape_reason(got, expected), got, single)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        return Verdict(False, "", got, single)
    candidates = [got]
    if tol.unordered:
        candidates.append(got[::-1])
    if tol.up_to_sign:
        candidates.append(-got)
    return Verdict(any(close(c, expected, tol) for c in candidates), "", got, single)


def unusable_reason(value, expected) -> str:
    """What is wrong with the kind of a value ("returned a str, not numbers"), or "" if nothing is.

    ``expected`` is the right answer at the same input (None when unknown): a tuple must be a
    tuple of as many items, numbers must have its shape and be finite.
    """
    if isinstance(expected, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(expected):
            return f"returned {format_value(value)}, where a tuple of {len(expected)} values is expected"
        return next((r for r in map(unusable_reason, value, expected) if r), "")
    got = as_array(value)
    if got is None:
        return f"returned {describe_type(value)}"
    reference = as_array(expected)
    if reference is not None and got.shape != reference.shape:
        return f"returned {format_value(value)}: {shape_reason(got, reference)}"
    if not np.all(np.isfinite(got)):
        return f"returned {format_value(value)}, which is not finite"
    return ""


def shape_reason(got: np.ndarray, expected: np.ndarray) -> str:
    if got.ndim == 2 and got.T.shape == expected.shape and got.shape != expected.shape:
        return f"wrong shape {got.shape}, expected {expected.shape}: transposed?"
    if got.size == expected.size:
        return f"wrong shape {got.shape}, expected {expected.shape} (right number of entries)"
    return f"wrong shape {got.shape}, expected {expected.shape}"


def diagnose(
    got: np.ndarray,
    expected,
    tol: Tolerance,
    mistakes: dict | None = None,
    unit: bool = False,
    factor_evidence: bool = True,
    *,
    float32: bool = False,
    nonfinite: str = "",
) -> str:
    """Name the likely mistake behind a wrong answer, or return "" when none is recognised.

    ``mistakes`` maps a student-facing explanation to the value that mistake would produce.
    ``factor_evidence`` says whether a constant factor is plausible: any two single numbers
    differ by some factor, so for scalars the caller must have seen the same factor twice.
    ``float32``: the answer was float32. ``nonfinite``: why a non-finite answer is so, when the
    caller could tell from the inputs (``patterns.nonfinite_cause``).
    """
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        if got.ndim == 2 and got.T.shape == expected.shape and close(got.T, expected, tol):
            return "Transposed: your matrix is the transpose of the right one."
        return ""
    finite = bool(np.all(np.isfinite(got)))
    for explanation, wrong_value in (mistakes or {}).items():
        wrong = np.asarray(wrong_value, dtype=float)
        if wrong.shape != got.shape:
            continue
        if close(got, wrong, tol) if finite else np.all(np.isclose(got, wrong, tol.rtol, tol.atol, equal_nan=True)):
            return explanation  # a non-finite answer too, when a known mistake overflows just so
    if not finite:
        return nonfinite or nonfinite_cause((), handled_large_inputs=False)
    if close(got, -expected, tol):
        return "Sign flipped: your answer is the negative of the right one."
    if got.ndim == 2 and got.shape[0] == got.shape[1] and close(got.T, expected, tol):
        return "Transposed: your matrix is the transpose of the right one."
    if tol.angle and close(np.deg2rad(got), expected, tol):
        return "Degrees instead of radians: angles are in radians."
    if got.ndim == 1 and got.size >= 2 and close(got[::-1], expected, tol):
        return "Components swapped: your vector has the right entries in the wrong order."
    if unit:
        norm = float(np.linalg.norm(got))
        directions = [] if norm == 0 else [got / norm, -got / norm] if tol.up_to_sign else [got / norm]
        if not math.isclose(norm, 1.0, rel_tol=1e-6) and any(close(d, expected, tol) for d in directions):
            return f"Not unit length: right direction, but its length is {norm:.4g}, not 1."
    factor = constant_factor(got, expected, tol) if (factor_evidence or got.size > 1) else None
    if factor is not None:
        return f"Off by a constant factor: your answer is {factor_name(factor)} times the right one."
    if float32 and close(got, expected, FLOAT32_PLAUSIBLE):
        return FLOAT32_CAUSE
    if tol.unordered or tol.up_to_sign:
        return ""  # entries may rightly be in another order or of the other sign
    return entry_pattern(got, expected, lambda a, b: close_entries(a, b, tol))


def constant_factor(got: np.ndarray, expected: np.ndarray, tol: Tolerance) -> float | None:
    """The c with got == c * expected, when there is one and it is not 1 or -1."""
    scale = float(np.vdot(expected, expected))
    if scale == 0 or not np.all(np.isfinite(expected)):
        return None
    factor = float(np.vdot(got, expected)) / scale
    if factor == 0 or math.isclose(abs(factor), 1.0, rel_tol=1e-3):
        return None
    return factor if close(got, factor * expected, tol) else None


def same_factor_everywhere(pairs: list[tuple]) -> bool:
    """Whether every (got, expected) pair shows the same constant factor (at least two pairs)."""
    factors = []
    for got, expected in pairs:
        got, expected = as_array(got), np.asarray(expected, dtype=float)
        if got is None or got.shape != expected.shape or not np.any(expected):
            continue
        factors.append(float(np.vdot(got, expected)) / float(np.vdot(expected, expected)))
    return len(factors) >= 2 and all(math.isclose(f, factors[0], rel_tol=1e-6) for f in factors)


MAX_FORMATTED_CHARS = 400  # a learner value's rendering in a message, however large the value
MAX_FORMATTED_DEPTH = 4  # nested sequences shown; deeper ones are "..."


def format_value(value, digits: int = 6) -> str:
    """A short, rounded rendering of a value for a student to read, at most MAX_FORMATTED_CHARS long.

    Learner values may be huge (a 4 MB string, a tuple of a million zeros) or deep: only what
    fits is looked at (the start of a text, the first elements of a sequence), so formatting
    costs little whatever the value, and every message and report stays small.
    """
    return _clip(_format(value, digits, 0))


def format_pair(expected, got) -> tuple[str, str]:
    """``expected`` and ``got`` formatted with as many digits as it takes to tell them apart (up to 17).

    Two numbers that differ beyond the tolerance but agree to six digits would otherwise read
    "expected 0.0334982, got 0.0334982".
    """
    for digits in (6, 10, 17):
        shown = format_value(expected, digits), format_value(got, digits)
        if shown[0] != shown[1]:
            return shown
    return format_value(expected), format_value(got)  # the same to every digit: a difference of type or shape


def _format(value, digits: int, depth: int) -> str:
    if isinstance(value, (str, bytes)):
        return _clip(repr(value[:MAX_FORMATTED_CHARS]), len(value), "characters" if isinstance(value, str) else "bytes")
    if value is None or isinstance(value, (Unsupported, bool)):
        return _clip(repr(value))
    if depth >= MAX_FORMATTED_DEPTH and isinstance(value, (list, tuple, dict)):
        return "..."
    if isinstance(value, dict):
        items = (f"{_format(k, digits, depth + 1)}: {_format(v, digits, depth + 1)}" for k, v in value.items())
        return _join(items, "{", "}", len(value))
    if isinstance(value, tuple):
        return _join((_format(v, digits, depth + 1) for v in value), "(", ")", len(value))
    if isinstance(value, list) and len(value) > MAX_FORMATTED_CHARS:  # too long to show whole: no conversion
        return _join((_format(v, digits, depth + 1) for v in value), "[", "]", len(value))
    array = as_array(value)
    if array is None:
        if isinstance(value, list):
            return _join((_format(v, digits, depth + 1) for v in value), "[", "]", len(value))
        return _clip(repr(value))
    if array.ndim == 0:
        return f"{float(array):.{digits}g}"
    with np.printoptions(precision=digits, threshold=24, edgeitems=3, suppress=False, linewidth=100):
        return np.array2string(array, separator=", ")


def _join(items, opening: str, closing: str, count: int) -> str:
    """Join formatted items until the rendering is long enough; say how many there were in all."""
    shown, length, budget = [], 0, MAX_FORMATTED_CHARS - 40  # room for the count
    for item in items:
        if shown and length + len(item) > budget:
            return f"{opening}{', '.join(shown)}, ...{closing} ({count:,} elements)"
        shown.append(item)
        length += len(item) + 2
    return opening + ", ".join(shown) + closing


def _clip(text: str, size: int | None = None, unit: str = "characters") -> str:
    """``text`` cut to MAX_FORMATTED_CHARS, saying how long the whole was."""
    size = len(text) if size is None else size
    if len(text) <= MAX_FORMATTED_CHARS and size <= MAX_FORMATTED_CHARS:
        return text
    suffix = f"... ({size:,} {unit})"
    return text[: MAX_FORMATTED_CHARS - len(suffix)] + suffix
