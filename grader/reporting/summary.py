"""The terminal summary printed after grading: one line per exercise and the total."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import TextIO

from grader.model import PROBLEM_STATUSES, CheckStatus, ClassResult, ExerciseStatus, GradeResult, StudentStatus
from grader.reporting.safe_text import terminal_text
from grader.reporting.wording import RUN_KINDS, SETUP_ERROR_LEAD


def print_summary(result: GradeResult, out_dir: Path | None, file: TextIO | None = None) -> None:
    file = file or sys.stdout  # looked up at call time: tests and the classroom format swap it
    _say(
        f"Grading {result.submission}  ({result.inputs} inputs, seed {result.seed}, isolation: {result.isolation})",
        file=file,
    )
    _say(f"  {RUN_KINDS[result.inputs]}", file=file)
    if result.problem:
        _say(f"  Problem: {result.problem}", file=file)
    for error in result.setup_errors:
        _say(f"  {SETUP_ERROR_LEAD} {error}", file=file)
    width = max(len(e.title) for e in result.exercises) if result.exercises else 10
    for exercise in result.exercises:
        score = f"{exercise.score:>5g}/{exercise.max_score:<3g}"
        _say(f"  {exercise.id}  {exercise.title:<{width}}  {score} {exercise.status}", file=file)
        if exercise.status in PROBLEM_STATUSES and exercise.message:
            _say(f"        {first_line(exercise.message)}", file=file)
        for check in exercise.checks:
            if (
                check.status != CheckStatus.PASSED
                and not check.feedback_only
                and exercise.status != ExerciseStatus.MISSING
            ):
                reason = check.diagnosis or check.message
                _say(f"        ({check.part}) {check.name}: {first_line(reason, 90)}", file=file)
    _say(f"  Total: {result.score:g}/{result.max_score:g}   ({result.duration_s:.2f} s)", file=file)
    if out_dir is not None:
        _say(f"  Report: {out_dir / 'report.html'}   Results: {out_dir / 'results.json'}", file=file)


def _say(text: str, file: TextIO | None = None) -> None:
    """Print a line that may hold learner text (names, messages): its control characters written out."""
    print(terminal_text(text, one_line=True), file=file or sys.stdout)


def first_line(text: str, limit: int = 110) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def print_class_summary(result: ClassResult, out_dir: Path) -> None:
    graded = [o.result.score for o in result.students if o.result is not None]
    reused = sum(o.status == StudentStatus.REUSED for o in result.students)
    errors = [o for o in result.students if o.status == StudentStatus.GRADER_ERROR]
    _say(
        f"Graded {len(result.students)} students in {result.duration_s:.1f} s ({reused} unchanged since the last run)."
    )
    if graded:
        _say(f"  Mean {statistics.mean(graded):.1f}, median {statistics.median(graded):g}, of 100.")
    for outcome in errors:
        _say(f"  Grader error for {outcome.student}: {first_line(outcome.message.strip().splitlines()[-1])}")
    for entry in result.skipped:
        _say(f"  Skipped {entry}")
    _say(f"  Dashboard: {out_dir / 'index.html'}   Gradebook: {out_dir / 'gradebook.csv'}")
