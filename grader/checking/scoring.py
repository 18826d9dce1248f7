"""From check outcomes to exercise scores and statuses: the scoring model.

Each check earns all of its points or none; an exercise's score is the sum over its checks.
Checks that passed before an exercise timed out or crashed keep their points; the exercise is
then marked ``timeout`` or ``error`` so the student sees why the rest earned nothing. (After a
function runs out of time or crashes, the others are checked in a fresh process: the exercise is
marked ``timeout`` or ``error`` all the same.) Statuses come from the checks' reason codes, never
from their messages.
"""

from __future__ import annotations

from grader.checking.session import ExerciseRun, defined_elsewhere_hint, not_defined_after
from grader.model import REPORTED_ONCE, CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, Reason


def exercise_status(
    run: ExerciseRun | None, checks: list[CheckResult], score: float, max_score: float
) -> ExerciseStatus:
    if run is None or run.status == ExerciseStatus.MISSING:
        return ExerciseStatus.MISSING
    if any(c.status == CheckStatus.GRADER_ERROR for c in checks):
        return ExerciseStatus.GRADER_ERROR  # the score is not final: the grader's fault comes before the learner's
    if run.status in (ExerciseStatus.TIMEOUT, ExerciseStatus.ERROR):
        return ExerciseStatus(run.status)
    if score >= max_score:  # a function that stopped its process in a feedback-only check costs no points
        return ExerciseStatus.PASSED
    if run.stopped_once:  # a function ran out of time or crashed; the others were checked in a fresh process
        return run.stopped_once
    if score > 0:
        return ExerciseStatus.PARTIAL
    graded = [c for c in checks if not c.feedback_only]
    if graded and all(c.reason is Reason.NOT_IMPLEMENTED for c in graded):
        return ExerciseStatus.FAILED  # nothing attempted yet, even if a setup cell raised
    if run.load_errors or all(c.status == CheckStatus.ERROR for c in graded):
        return ExerciseStatus.ERROR  # the code raised rather than answered wrongly
    return ExerciseStatus.FAILED


def exercise_message(run: ExerciseRun | None, checks: list[CheckResult]) -> str:
    unpassed = [c for c in checks if c.status != CheckStatus.PASSED and not c.feedback_only]
    if run is not None and unpassed and all(c.reason in REPORTED_ONCE for c in unpassed):
        return problem_said_once(run, unpassed)
    if run is not None and run.message:
        return run.message
    graded = [c for c in checks if not c.feedback_only]
    passed = sum(c.status == CheckStatus.PASSED for c in graded)
    return f"{passed} of {len(graded)} checks passed." if graded else ""


def problem_said_once(run: ExerciseRun, unpassed: list[CheckResult]) -> str:
    """The one problem behind every failed check (functions not implemented, or not defined), with its cause."""

    def functions(reason: Reason) -> list[str]:
        return sorted({c.function for c in unpassed if c.reason is reason})

    said = []
    if names := functions(Reason.NOT_DEFINED):
        undefined = ", ".join(names)
        if elsewhere := defined_elsewhere_hint(names, run.defined_elsewhere, run.exercise_id):
            said.append(f"Not defined in this exercise's cells: {undefined}. {elsewhere}")
        elif run.load_errors:
            them = "it" if len(names) == 1 else "them"
            said.append(f"Not defined: {undefined}; {not_defined_after(run.load_errors[0], run.runs_cells, them)}.")
        elif not_run := [cell.not_run for cell in run.code.cells if cell.not_run]:
            said.append(
                f"Not defined: {undefined}. Not run: {'; '.join(not_run)}. A cell magic cannot run "
                "without IPython: put the code in a plain cell."
            )
        else:
            said.append(
                f"Not defined: {undefined}. Is the code empty, or are the names different from the assignment's?"
            )
    if unimplemented := functions(Reason.NOT_IMPLEMENTED):
        said.append(f"Not implemented yet: {', '.join(unimplemented)}.")
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
