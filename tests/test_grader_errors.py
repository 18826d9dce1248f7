"""Whose fault is an exception in a check: the learner's value it could not use, or the grader's code.

A check that raises something it did not expect is run again with the reference in place of the
learner's functions: passing then means the learner's value stopped it (the message says what was
wrong with the value); raising again means the fault is the grader's: status "grader error", the
exception named, `grader grade` exits 3, the batch row and the dashboard say "grader error".
"""

from __future__ import annotations

import pytest

import grader.checking.checks as checks
import grader.checking.runner as runner
from grader.batch import gradebook_csv
from grader.checking.inputs import HiddenInputs, PublicInputs
from grader.cli import GRADER_FAILED, main
from grader.course import REFERENCE_DIR
from grader.model import ClassResult, StudentOutcome
from grader.public import public_inputs
from grader.reporting.dashboard import render_dashboard
from tests.helpers import by_id, check_named


class CheckBug(RuntimeError):
    pass


@pytest.fixture
def buggy_comparison(monkeypatch):
    """compare_calls' comparison raises whatever it is given: a fault in the grader's own code."""

    def compare(*args, **kwargs):
        raise CheckBug("a fault in the comparison")

    monkeypatch.setattr(checks, "compare", compare)


def test_an_exception_in_the_checks_own_code_is_a_grader_error(buggy_comparison, grade):
    result = grade(REFERENCE_DIR, only=["ex01"])
    exercise = by_id(result)["ex01"]
    failed = check_named(exercise, "df_dx_random_points")
    assert failed.status == "grader error" and failed.reason == "check error"
    assert "CheckBug: a fault in the comparison" in failed.message
    assert "could not use your answer" not in failed.message.lower()
    assert exercise.status == "grader error"
    assert result.grader_errors and result.grader_errors[0].startswith("ex01 ")


def test_a_fault_in_judging_an_answer_costs_that_check_alone_never_the_grading(monkeypatch, grade, tmp_path):
    # The grader's judgement of a failure (here: of a wrong df_dx) raising is its own fault.
    def broken_judgement(excinfo, run):
        raise CheckBug("a fault in the judgement")

    monkeypatch.setattr(runner, "_verdict", broken_judgement)
    folder = tmp_path / "sub"
    folder.mkdir()
    source = (REFERENCE_DIR / "ex01_partial_derivatives.py").read_text()
    (folder / "ex01_partial_derivatives.py").write_text(source + "\n\ndef df_dx(x, y):\n    return 0.0\n")
    result = grade(folder, only=["ex01"])
    failed = check_named(by_id(result)["ex01"], "df_dx_random_points")
    assert failed.status == "grader error" and failed.score == 0
    assert "CheckBug: a fault in the judgement" in failed.message and "not counted against you" in failed.message


def test_grade_exits_non_zero_on_a_grader_error(buggy_comparison, capsys, tmp_path):
    assert main(["grade", str(REFERENCE_DIR), "--out", str(tmp_path)]) == GRADER_FAILED
    assert "Grader error in" in capsys.readouterr().out


def test_the_gradebook_and_dashboard_say_grader_error(buggy_comparison, grade):
    result = grade(REFERENCE_DIR, only=["ex02"])
    outcome = StudentOutcome("ada", str(REFERENCE_DIR), "graded", result)
    row = gradebook_csv(ClassResult([outcome])).splitlines()[1]
    assert row.endswith(",grader error")
    assert "grader error" in render_dashboard(ClassResult([outcome]))


def test_a_value_the_check_cannot_digest_is_the_learners_and_says_what_it_was(monkeypatch, grade, tmp_path):
    """A check that chokes on text (but not on numbers) blames the learner's text, not itself."""
    compare = checks.compare

    def compare_numbers_only(value, expected, tol):
        if isinstance(value, str):
            raise TypeError("unsupported operand type(s) for -: 'str' and 'float'")
        return compare(value, expected, tol)

    monkeypatch.setattr(checks, "compare", compare_numbers_only)
    folder = tmp_path / "sub"
    folder.mkdir()
    source = (REFERENCE_DIR / "ex01_partial_derivatives.py").read_text()
    (folder / "ex01_partial_derivatives.py").write_text(source + "\n\ndef df_dx(x, y):\n    return '1.5'\n")
    failed = check_named(by_id(grade(folder, only=["ex01"]))["ex01"], "df_dx_random_points")
    assert failed.status == "error" and failed.reason == "unusable"
    assert "Could not use your answer: df_dx returned a str, not numbers" in failed.message


def test_a_seed_the_generator_refuses_is_a_grader_error_not_the_learners(grade, monkeypatch):
    """Whatever fails while a check is set up (its inputs, its reference) is the grader's."""
    from grader.checking.inputs import HiddenInputs

    def no_generator(self, exercise, check_name):
        raise ValueError("expected non-negative integer")

    monkeypatch.setattr(HiddenInputs, "rng", no_generator)
    exercise = by_id(grade(REFERENCE_DIR, only=["ex03"]))["ex03"]
    assert {c.status for c in exercise.checks if c.max_score} == {"grader error"}
    assert all("ValueError: expected non-negative integer" in c.message for c in exercise.checks if c.max_score)


def test_the_class_summary_names_a_student_with_a_grader_error(buggy_comparison, grade, capsys):
    from grader.reporting.summary import print_class_summary

    result = grade(REFERENCE_DIR, only=["ex02"])
    print_class_summary(ClassResult([StudentOutcome("ada", str(REFERENCE_DIR), "graded", result)]), REFERENCE_DIR)
    assert "Grader error for ada in " in capsys.readouterr().out


class BrokenGenerator:
    def __getattr__(self, name):
        raise IndexError("a fault before any call")


@pytest.mark.parametrize("inputs", [HiddenInputs, PublicInputs])
def test_a_check_that_fails_before_asking_the_learner_anything_is_a_grader_error(grade, monkeypatch, inputs):
    """No answer of the learner's to blame: the grader's fault, even in a public run with no reference to try."""
    public_inputs()  # recorded before anything breaks (a cache of this process)
    monkeypatch.setattr(inputs, "rng", lambda self, exercise, check_name: BrokenGenerator())
    result = grade(REFERENCE_DIR, only=["ex02"], public=inputs is PublicInputs)
    failed = check_named(by_id(result)["ex02"], "grad_f_matches_reference")  # draws its points first
    assert failed.status == "grader error" and "IndexError: a fault before any call" in failed.message
    assert "could not use your answer" not in failed.message.lower()
