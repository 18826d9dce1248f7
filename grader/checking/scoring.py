"""From check outcomes to exercise scores and statuses: the scoring model.

Each check earns all of its points or none; an exercise's score is the sum over its checks.
Checks that passed before an exercise timed out or crashed keep their points; the exercise is
then marked ``timeout`` or ``error`` so the student sees why the rest earned nothing.
"""

from __future__ import annotations

from grader.checking.session import ExerciseRun, describe_error
from grader.model import GRADER_ERROR, REPORTED_ONCE, CheckResult, ExerciseResult


def exercise_status(run: ExerciseRun | None, checks: list[CheckResult], score: float, max_score: float) -> str:
    if run is None or run.status == "missing":
        return "missing"
    if any(c.status == GRADER_ERROR for c in checks):
        return GRADER_ERROR  # the score is not decided: the grader's fault is named before the learner's
    if run.status in ("timeout", "error"):
        return run.status
    if score >= max_score:
        return "passed"
    if score > 0:
        return "partial"
    graded = [c for c in checks if c.max_score > 0]
    if graded and all("not implemented" in c.message for c in graded):
        return "failed"  # nothing attempted yet, even if a setup cell raised
    if run.load_errors or all(c.status == "error" for c in graded):
        return "error"  # the code raised rather than answered wrongly
    return "failed"


def exercise_message(run: ExerciseRun | None, checks: list[CheckResult]) -> str:
    failed = [c for c in checks if c.status != "passed" and c.max_score]
    if run is not None and failed and all(c.reason in REPORTED_ONCE for c in failed):
        return problem_said_once(run, failed)
    if run is not None and run.message:
        return run.message
    graded = [c for c in checks if c.max_score > 0]  # 0-point checks are feedback only
    passed = sum(c.status == "passed" for c in graded)
    return f"{passed} of {len(graded)} checks passed." if graded else ""


def problem_said_once(run: ExerciseRun, failed: list[CheckResult]) -> str:
    """The one problem behind every failed check (functions not implemented, or not defined), with its cause."""

    def functions(reason: str) -> str:
        return ", ".join(sorted({c.message.split(" is not ")[0] for c in failed if c.reason == reason}))

    said = []
    if undefined := functions("not defined"):
        if run.load_errors:
            said.append(
                f"{describe_error(run.load_errors[0])}; your code stopped there, before defining {undefined}: "
                "fix this first."
            )
        else:
            said.append(
                f"Not defined: {undefined}. Is the code empty, or are the names different from the assignment's?"
            )
    if unimplemented := functions("not implemented"):
        said.append(f"Not implemented yet: {unimplemented}.")
    return " ".join(said)


def exercise_result(exercise_id: str, title: str, run: ExerciseRun | None, checks: list[CheckResult]) -> ExerciseResult:
    score = round(sum(c.score for c in checks), 6)
    max_score = round(sum(c.max_score for c in checks), 6)
    return ExerciseResult(
        id=exercise_id,
        title=title,
        score=score,
        max_score=max_score,
        status=exercise_status(run, checks, score, max_score),
        message=exercise_message(run, checks),
        checks=checks,
        output=run.output if run else "",
        seconds=round(run.seconds, 3) if run else 0.0,
    )
