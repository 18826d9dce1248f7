"""The comparison and the mistake names a student reads."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.checking.diagnose import Tolerance, compare, diagnose, format_value
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
        (np.array([np.nan, 1.0, 2.0]), TOL, "nan or overflow"),
        (np.array([np.inf, 1.0, 2.0]), TOL, "nan or overflow"),
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
