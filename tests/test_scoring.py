"""The scoring model on hand-made check results: statuses and messages come from reason codes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from grader.checking.scoring import exercise_message, exercise_result, exercise_status
from grader.model import CheckResult, CheckStatus, ExerciseStatus, Reason


def run(status: str = "ok", message: str = "", load_errors: list | None = None, output: str = "", seconds=0.5):
    """What scoring reads of an exercise's run (an ExerciseRun without a worker)."""
    return SimpleNamespace(
        status=status, message=message, load_errors=load_errors or [], output=output, seconds=seconds, stopped_once=None
    )


def passed(points: float = 2.0, name: str = "ok") -> CheckResult:
    return CheckResult(name, "a", points, points, CheckStatus.PASSED)


def wrong(points: float = 2.0, name: str = "wrong") -> CheckResult:
    return CheckResult(name, "a", 0.0, points, CheckStatus.FAILED, "f(x=1.0): expected 1, got 2.", reason=Reason.WRONG)


def raised(points: float = 2.0, name: str = "raised") -> CheckResult:
    return CheckResult(name, "a", 0.0, points, CheckStatus.ERROR, "f(x=1.0) raised ValueError", reason=Reason.RAISED)


def unimplemented(function: str, points: float = 2.0, name: str = "todo") -> CheckResult:
    message = f"{function} is not implemented yet (it raises NotImplementedError)."
    return CheckResult(
        name, "a", 0.0, points, CheckStatus.ERROR, message, reason=Reason.NOT_IMPLEMENTED, function=function
    )


def status_of(checks: list[CheckResult], exercise_run=None) -> ExerciseStatus:
    exercise_run = run() if exercise_run is None else exercise_run
    score, max_score = sum(c.score for c in checks), sum(c.max_score for c in checks)
    return exercise_status(exercise_run, checks, score, max_score)


def test_every_point_is_passed_some_are_partial_none_are_failed():
    assert status_of([passed(), passed()]) is ExerciseStatus.PASSED
    assert status_of([passed(), wrong()]) is ExerciseStatus.PARTIAL
    assert status_of([wrong(), wrong()]) is ExerciseStatus.FAILED


def test_feedback_only_checks_never_decide_the_status():
    feedback = wrong(points=0, name="hint")
    assert feedback.feedback_only and not wrong().feedback_only
    assert status_of([passed(), feedback]) is ExerciseStatus.PASSED
    assert status_of([wrong(), raised(points=0)]) is ExerciseStatus.FAILED


def test_code_that_raised_everywhere_is_an_error_but_one_wrong_answer_is_not():
    assert status_of([raised(), raised()]) is ExerciseStatus.ERROR
    assert status_of([raised(), wrong()]) is ExerciseStatus.FAILED
    assert status_of([wrong()], run(load_errors=[{"type": "SyntaxError"}])) is ExerciseStatus.ERROR


def test_nothing_implemented_yet_is_failed_not_error_even_after_a_setup_error():
    checks = [unimplemented("f"), unimplemented("g")]
    assert status_of(checks, run(load_errors=[{"type": "NameError"}])) is ExerciseStatus.FAILED


def test_the_reason_code_decides_not_the_wording():
    """A message that merely mentions "not implemented" is an ordinary error."""
    lookalike = CheckResult(
        "c", "a", 0.0, 2.0, CheckStatus.ERROR, "f raised ValueError: not implemented yet", reason=Reason.RAISED
    )
    assert status_of([lookalike]) is ExerciseStatus.ERROR
    assert exercise_message(run(), [lookalike]) == "0 of 1 checks passed."


@pytest.mark.parametrize("stopped", [ExerciseStatus.TIMEOUT, ExerciseStatus.ERROR])
def test_a_stopped_exercise_keeps_its_status_and_the_points_earned_before(stopped):
    checks = [passed(), wrong()]
    result = exercise_result("ex01", "Title", run(status=stopped, message="stopped here"), checks)
    assert (result.status, result.score, result.max_score, result.message) == (stopped, 2.0, 4.0, "stopped here")


def test_a_missing_exercise_is_missing_whatever_its_checks():
    assert status_of([passed()], run(status="missing")) is ExerciseStatus.MISSING
    assert exercise_status(None, [], 0.0, 0.0) is ExerciseStatus.MISSING


def test_the_message_names_every_function_not_implemented_yet():
    checks = [unimplemented("g", name="c1"), unimplemented("f", name="c2"), unimplemented("g", name="c3"), passed()]
    assert exercise_message(run(), checks) == "Not implemented yet: f, g."


def test_the_message_counts_graded_checks_when_some_answer_is_wrong():
    checks = [unimplemented("f"), wrong(), passed(), passed(points=0, name="hint")]
    assert exercise_message(run(), checks) == "1 of 3 checks passed."


def test_the_run_message_comes_first():
    assert exercise_message(run(message="ex01.py not found"), [wrong()]) == "ex01.py not found"


def test_the_result_sums_points_and_keeps_the_run_s_output_and_time():
    result = exercise_result("ex03", "T", run(output="printed", seconds=1.23456), [passed(1.5), wrong(0.25)])
    assert (result.score, result.max_score) == (1.5, 1.75)
    assert (result.output, result.seconds) == ("printed", 1.235)
    assert exercise_result("ex03", "T", None, []).status is ExerciseStatus.MISSING
