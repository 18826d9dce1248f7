"""The check author's API in grader.checking.checks: its documented examples, the adapter, the idioms."""

from __future__ import annotations

import ast
import doctest
from types import SimpleNamespace

import numpy as np
import pytest

import grader.checking.checks as checks
from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    CheckFailed,
    Transformed,
    compare_calls,
    gradient_by_finite_differences,
)
from grader.checking.inputs import HiddenInputs
from grader.checking.runner import CheckPlugin, _check_error, _verdict
from grader.course import CHECKS_DIR, EXERCISES
from grader.model import CheckStatus, Reason

EX02 = next(e for e in EXERCISES if e.id == "ex02")


class FakeLearnerFunction:
    """Stands for ``sub.<name>``: answers with ``answer(*args)`` and counts the round trips."""

    def __init__(self, name, answer):
        self.name, self.answer, self.round_trips = name, answer, 0

    def call_many(self, cases):
        self.round_trips += 1
        return [self.answer(*args) for args in cases]

    def __call__(self, *args):
        return self.call_many([args])[0]

    def describe(self, args):
        return f"{self.name}({', '.join(str(a) for a in args)})"


def test_the_documented_examples_hold():
    failures, tried = doctest.testmod(checks, optionflags=doctest.ELLIPSIS)
    assert tried >= 8 and failures == 0


def test_every_public_helper_documents_its_parameters_and_an_example():
    for name in checks.__all__:
        helper = getattr(checks, name)
        if callable(helper) and not isinstance(helper, checks.Tolerance) and helper.__module__ == checks.__name__:
            assert "Parameters" in helper.__doc__ and "Example" in helper.__doc__, name


def test_a_transformed_call_keeps_one_round_trip_and_says_what_it_compared():
    pair = FakeLearnerFunction("fit", lambda x: (2 * x, [x, x]))
    first = Transformed(pair, lambda args, answer: answer[0], label="w")
    compare_calls(first, lambda x: 2 * x, [(1.0,), (2.0,), (3.0,)], tolerance=CLOSED_FORM)
    assert pair.round_trips == 1
    with pytest.raises(CheckFailed) as failed:
        compare_calls(first, lambda x: 3 * x, [(1.0,), (2.0,)], tolerance=CLOSED_FORM)
    assert failed.value.message.startswith("fit(1.0) -> w: expected 3, got 2")
    assert "Wrong at 2 of 2 inputs." in failed.value.message
    assert failed.value.failure.call == "fit(1.0) -> w"


def test_a_transform_may_explain_a_malformed_answer():
    def explain(args, answer):
        raise CheckFailed("not a pair", diagnosis="Return a pair.")

    with pytest.raises(CheckFailed, match="not a pair"):
        compare_calls(Transformed(FakeLearnerFunction("fit", float), explain), float, [(1.0,)])


def test_finite_difference_checks_name_mistakes_and_count_wrong_inputs():
    def loss(a, x):
        return float(np.sum(a * x**2))

    numeric = gradient_by_finite_differences(loss, wrt=1)
    cases = [(np.array([1.0, 2.0]), np.array([0.5, -1.0])), (np.array([3.0, 1.0]), np.array([1.0, 2.0]))]
    compare_calls(FakeLearnerFunction("grad", lambda a, x: 2 * a * x), numeric, cases, tolerance=FINITE_DIFFERENCE)
    with pytest.raises(CheckFailed) as failed:
        compare_calls(
            FakeLearnerFunction("grad", lambda a, x: a * x),
            numeric,
            cases,
            tolerance=FINITE_DIFFERENCE,
            mistakes=lambda a, x: {"The factor 2 of the square is missing.": a * x},
        )
    assert failed.value.failure.diagnosis == "The factor 2 of the square is missing."
    assert "Wrong at 2 of 2 inputs." in failed.value.message


def test_the_jacobian_of_an_array_valued_function_has_one_row_per_output():
    jacobian = gradient_by_finite_differences(lambda z: np.array([z[0] * z[1], z[1] ** 2]))
    assert np.allclose(jacobian(np.array([2.0, 3.0])), [[3.0, 2.0], [0.0, 6.0]], atol=1e-6)


def test_an_exception_in_the_check_itself_is_a_check_error_naming_the_check():
    plugin = CheckPlugin([EX02], body=lambda: None)
    plugin.inputs = HiddenInputs(seed=1)  # as the run of a submission sets it

    def buggy(sub, ref, rng):
        sub.grad_f(1.0, 2.0)
        return {}["no such key"]  # the check's own fault, whatever the answer

    def picky(sub, ref, rng):
        return sub.grad_f(1.0, 2.0).shape  # fine on the reference's array, not on a learner's list

    assert plugin._fails_on_reference(SimpleNamespace(function=buggy, name="buggy"), EX02)
    assert not plugin._fails_on_reference(SimpleNamespace(function=picky, name="picky"), EX02)
    verdict = _check_error("buggy", KeyError("no such key"))
    assert (verdict.status, verdict.reason) == (CheckStatus.GRADER_ERROR, Reason.CHECK_ERROR)
    assert "buggy" in verdict.message and "could not use your answer" not in verdict.message


def test_a_learner_value_the_check_cannot_use_is_not_a_check_error():
    verdict = _verdict(SimpleNamespace(value=AttributeError("'list' object has no attribute 'shape'")), None)
    assert (verdict.status, verdict.reason) == (CheckStatus.ERROR, Reason.UNUSABLE)
    assert verdict.message.startswith("could not use your answer")


def test_exercise_modules_import_only_the_check_api_and_numerical_libraries():
    for path in sorted(CHECKS_DIR.glob("ex*.py")):
        tree = ast.parse(path.read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert imported <= {"grader.checking.checks", "numpy", "math"}, (path.name, imported)


def test_exercise_modules_name_their_tolerances():
    for path in sorted(CHECKS_DIR.glob("ex*.py")):
        calls = [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)]
        named = [
            n
            for n in calls
            if getattr(n.func, "id", None) in ("compare_calls", "expect_close")
            and {k.arg for k in n.keywords} & {"rtol", "atol"}
        ]
        assert named == [], path.name
