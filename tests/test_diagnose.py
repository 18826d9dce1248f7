"""The comparison and the mistake names a student reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checking.checks import CLOSED_FORM, FINITE_DIFFERENCE
from grader.checking.diagnose import Tolerance, compare, diagnose, format_pair, format_value
from grader.isolation.wire import Unsupported

TOL = Tolerance(rtol=1e-6, atol=1e-9)
EXPECTED = np.array([1.5, -2.0, 0.25])


@pytest.mark.parametrize(
    ("got", "tol", "text"),
    [
        (-EXPECTED, TOL, "sign flipped"),
        (2 * EXPECTED, TOL, "factor: your answer is 2 times"),
        (0.5 * EXPECTED, TOL, "1/2 times"),
        (3.7 * EXPECTED, TOL, "3.7 times"),
        (EXPECTED[::-1], TOL, "components swapped"),
        (np.array([np.nan, 1.0, 2.0]), TOL, "nan or infinity"),
        (np.array([np.inf, 1.0, 2.0]), TOL, "nan or infinity"),
    ],
)
def test_recognised_mistakes(got, tol, text):
    verdict = compare(got, EXPECTED, tol)
    assert not verdict.ok
    assert text in diagnose(verdict.got, EXPECTED, tol).lower()


def test_transposed_matrix():
    expected = np.arange(6.0).reshape(2, 3)
    verdict = compare(expected.T, expected, TOL)
    assert not verdict.ok and "transposed" in verdict.reason
    square = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert "transposed" in diagnose(square.T, square, TOL).lower()


def test_not_unit_length():
    direction = np.array([0.6, 0.8])
    assert "not unit length" in diagnose(3 * direction, direction, TOL, unit=True).lower()


def test_degrees_instead_of_radians():
    tol = Tolerance(rtol=1e-6, atol=1e-9, angle=True)
    assert "degrees" in diagnose(np.array(math.degrees(1.0)), 1.0, tol).lower()


def test_angles_compare_modulo_two_pi():
    tol = Tolerance(angle=True)
    assert compare(1.0 + 2 * math.pi, 1.0, tol).ok
    assert compare(-math.pi + 1e-12, math.pi, tol).ok
    assert not compare(1.1, 1.0, tol).ok


def test_unordered_pairs_and_either_orientation():
    assert compare((2.0, 1.0), (1.0, 2.0), Tolerance(unordered=True)).ok
    assert not compare((2.0, 1.0), (1.0, 2.0), TOL).ok
    assert compare(-EXPECTED, EXPECTED, Tolerance(up_to_sign=True)).ok


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "None"), ("0.5", "str"), (Unsupported("Liar", "<Liar>"), "Liar"), ({"a": 1}, "dict")],
)
def test_values_that_are_not_numbers(value, text):
    verdict = compare(value, EXPECTED, TOL)
    assert not verdict.ok and text in verdict.reason


def test_wrong_shape_is_named():
    verdict = compare(np.zeros((3, 1)), EXPECTED, TOL)
    assert not verdict.ok and "wrong shape (3, 1)" in verdict.reason


def test_known_mistakes_come_first():
    wrong = EXPECTED * 2
    assert diagnose(wrong, EXPECTED, TOL, {"Forgot the 1/m.": wrong}) == "Forgot the 1/m."


def test_right_answers_within_tolerance_pass():
    assert compare(EXPECTED * (1 + 1e-8), EXPECTED, TOL).ok
    assert compare([1.5, -2.0, 0.25], EXPECTED, TOL).ok  # a list is fine where an array is asked
    assert compare(np.float64(2.0), 2.0, TOL).ok


def test_values_are_rounded_for_reading():
    assert format_value(1 / 3) == "0.333333"
    assert format_value(np.array([1 / 3, 2.0])) == "[0.333333, 2.      ]"
    assert format_value((1.0, 2.0)) == "(1, 2)"


# ---------------------------------------------------------------- beyond the known mistakes


def explain(got, expected, tol=TOL) -> str:
    verdict = compare(got, expected, tol)
    assert not verdict.ok
    return diagnose(verdict.got, expected, tol, float32=verdict.float32)


@pytest.mark.parametrize(
    ("got", "expected", "text"),
    [
        ([6.43, 1.62], [6.43, 4.43], "only component [1] is wrong (expected 4.43, got 1.62); component [0] is right"),
        ([6.43, -4.43, 2.0], [6.43, 4.43, 2.0], "only component [1] is wrong (the sign is flipped)"),
        ([1.0, -2.0, -3.0, 4.0], [1.0, 2.0, 3.0, 4.0], "2 of 4 components, [1], [2], are wrong (their signs"),
        ([0.0, 2.0, 3.0], [1.0, 2.0, 3.0], "only component [0] is wrong (left at 0"),
        ([2.0, 4.0, 3.0], [1.0, 2.0, 3.0], "(2 times the right value)"),
        ([0.9, 0.0, 0.1], [0.9, 1.0, 0.1], "only component [1]"),
        ([2.0, 3.0, 4.0, 4.0], [1.0, 2.0, 3.0, 4.0], "shifted by one"),
        ([5.0, 5.0], [4.0, 5.0], "only component [0] is wrong"),  # a pair: one slot copied, no shift
        ([[1.0, 2.0], [9.0, 9.0]], [[1.0, 2.0], [3.0, 4.0]], "row [1] is wrong"),
        ([[1.0, 9.0], [3.0, 9.0]], [[1.0, 2.0], [3.0, 4.0]], "column [1] is wrong"),
        ([[9.0, 2.0], [3.0, 9.0]], [[1.0, 2.0], [3.0, 4.0]], "the diagonal entries are wrong"),
        ([[1.0, 0.0], [0.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], "the off-diagonal entries are wrong (left at 0"),
        ([[1.0, 2.0, 3.0], [4.0, 9.0, 6.0]], [[1, 2, 3], [4, 5, 6.0]], "only entry [1, 1] is wrong"),
        ([0.2, -0.8, 0.7], [0.2, 0.2, -0.3], "each off by exactly 1"),
    ],
)
def test_which_entries_are_wrong_and_which_right(got, expected, text):
    assert text in explain(np.array(got), np.array(expected)).lower()


def test_no_entry_pattern_when_every_entry_is_wrong_without_one():
    assert explain(np.array([1.3, -0.2, 7.0]), EXPECTED) == ""


def test_edge_inputs_are_named_when_only_they_fail():
    from grader.checking.patterns import edge_inputs

    curve = np.array([3.0, 2.0, 1.0])
    cases = [(curve, 0.5), (curve + 5, 0.5), (curve * 0 + 0.6, 0.5)]
    # a scan starting at index 1: right where the answer is 1 or 3, wrong where it is 0
    said = edge_inputs(cases, [2, 3, 0], [2, 3, 1], [True, True, False])
    assert "wrong only where the right answer is 0" in said and "1 too large" in said
    vectors = [(np.array([1.0, 2.0]),), (np.zeros(2),), (np.array([-3.0, 0.5]),)]
    assert "zero vector" in edge_inputs(vectors, [0.0, 1.0, 2.0], [0.0, 7.0, 2.0], [True, False, True])
    logits = [(np.array([1.0, 2.0]),), (np.array([1000.0, -1000.0]),)]
    assert "inputs are large" in edge_inputs(logits, [1.0, 2.0], [1.0, np.nan], [True, False])
    assert edge_inputs(logits, [1.0, 2.0], [0.0, np.nan], [False, False]) == ""  # nothing right: no edge


def test_nan_from_the_log_of_an_underflowed_probability_is_not_blamed_on_exp_overflow():
    from grader.checking.patterns import nonfinite_cause

    spread = (np.array([1000.0, -1000.0, 0.0]), 2)
    handled = nonfinite_cause(spread, handled_large_inputs=True)  # right elsewhere at logits of +1000
    assert "rounded to 0" in handled and "overflowed" not in handled
    large = (np.array([1000.0, 999.0, 998.0]),)
    overflow = nonfinite_cause(large, handled_large_inputs=False)
    assert "overflowed" in overflow and "rounded to 0" not in overflow
    both = nonfinite_cause(spread, handled_large_inputs=False)
    assert "overflowed" in both and "rounded to 0" in both


def test_nan_at_small_inputs_is_blamed_on_an_invalid_operation_not_on_exp():
    from grader.checking.patterns import nonfinite_cause

    small = nonfinite_cause((0.3, -0.5), handled_large_inputs=False)
    assert "invalid operation" in small and "overflowed" not in small and "rounded to 0" not in small


def test_float32_answers_are_judged_at_float32_precision():
    exact = np.array([-0.189485, 0.0731, 0.5]) * (1 + 1e-3 * np.arange(3))
    single = exact.astype(np.float32)
    tight = Tolerance(rtol=1e-12, atol=0.0)
    assert compare(single, exact, tight).ok
    assert not compare(single.astype(float), exact, tight).ok  # the same digits in float64 are not exact
    coarse = (exact * (1 + 1e-4)).astype(np.float32)
    verdict = compare(coarse, exact, tight)
    assert not verdict.ok and verdict.float32
    assert "float32" in diagnose(verdict.got, exact, tight, float32=verdict.float32)
    far = (exact + [0.1, 0.2, -0.3]).astype(np.float32)  # wrong whatever the precision
    verdict = compare(far, exact, tight)
    assert "float32" not in diagnose(verdict.got, exact, tight, float32=verdict.float32)


RIGHT_DF_DX = "3.0 * x**2 * y + y * np.exp(x * y)"


@pytest.mark.parametrize(("body", "score"), [(RIGHT_DF_DX, 10), ("3.0 * x**2 * y", 8.5)], ids=["right", "wrong"])
def test_a_float32_number_is_judged_at_float32_precision_and_blamed_only_when_close(grade, tmp_path, body, score):
    from grader.course import REFERENCE_DIR

    folder = tmp_path / "submission"
    folder.mkdir()
    source = (REFERENCE_DIR / "ex01_partial_derivatives.py").read_text()
    (folder / "ex01_partial_derivatives.py").write_text(
        source + f"\n\ndef df_dx(x, y):\n    return np.float32({body})\n"
    )
    exercise = grade(folder, only=["ex01"]).exercises[0]
    assert exercise.score == score, [c.message for c in exercise.checks if c.status != "passed"]  # wrong: df_dx alone
    assert not any("float32" in c.message for c in exercise.checks if c.status != "passed")


def test_a_right_float32_fgsm_step_scores_full_marks(grade, tmp_path):
    from grader.course import REFERENCE_DIR

    folder = tmp_path / "submission"
    folder.mkdir()
    source = (REFERENCE_DIR / "ex10_fgsm.py").read_text()
    (folder / "ex10_fgsm.py").write_text(
        source + "\n\ndef fgsm_perturbation(x, w, y, eps):\n"
        "    g = grad_x(np.asarray(x, dtype=np.float32), np.asarray(w, dtype=np.float32), y)\n"
        "    return np.float32(eps) * np.sign(g).astype(np.float32)\n"
    )
    for public in (False, True):
        exercise = grade(folder, only=["ex10"], public=public).exercises[0]
        assert exercise.score == exercise.max_score, [c.message for c in exercise.checks if c.status != "passed"]


def test_an_argument_value_only_the_failing_inputs_have_is_named():
    from grader.checking.patterns import edge_inputs

    x = np.array([0.3, -0.2])
    labels = [(x, 1.0), (x + 1, -1.0), (x - 1, 1.0), (x * 2, -1.0)]
    said = edge_inputs(labels, [0, 0, 0, 0], [1, 0, 1, 0], [False, True, False, True], ["x", "y"])
    assert "wrong only where y = 1" in said
    defaults = [(x, 0.5), (x + 1, 0.5, 0.01), (x - 1, 0.5, 1e-6)]
    said = edge_inputs(defaults, [1, 2, 3], [1, 5, 6], [True, False, False], ["a", "b", "tol"])
    assert "tol is given (0.01 or 1e-06)" in said
    # random numbers, each its own, say nothing: any failing input has a value no other input has
    spread = [(0.31, 1.7), (0.52, -0.4), (0.77, 2.2)]
    assert edge_inputs(spread, [1.0, 2.0, 3.0], [1.0, 2.0, 9.0], [True, True, False], ["a", "b"]) == ""


def test_single_numbers_are_judged_as_their_arrays_would_be():
    """A right single number takes a shortcut past NumPy; its verdict must be the array path's."""
    rng = np.random.default_rng(7)
    expected = np.concatenate([rng.normal(0, 10, 300), [0.0, -0.0, math.pi, -math.pi, 3 * math.pi, 1e300]])
    tolerances = [CLOSED_FORM, FINITE_DIFFERENCE, Tolerance(rtol=0, atol=1e-8, angle=True), Tolerance(rtol=1e-3)]
    for tol in tolerances:
        for e in expected:
            # answers at, just inside and just outside the tolerance, and a full turn away for angles
            width = tol.atol + tol.rtol * (2 * math.pi if tol.angle else abs(e))
            for got in (e, e + 0.999 * width, e - 1.001 * width, e + 2 * math.pi, math.nan, math.inf):
                fast = compare(float(got), float(e), tol).ok
                arrays = compare(np.float64(got).reshape(()), np.float64(e), tol).ok
                assert fast == arrays, (got, e, tol)


def test_numbers_that_differ_are_shown_with_the_digits_that_tell_them_apart():
    assert format_pair(0.0334982123, 0.0334982456) == ("0.0334982123", "0.0334982456")
    assert format_pair(1.0, 2.0) == ("1", "2")
    assert format_pair(0.1, np.float64(0.1)) == ("0.1", "0.1")  # the same: no digits added
