"""The terminal summary printed after grading: one line per exercise and the total.

Diagnoses are printed whole: in a pipe or a CI log (Gradescope, Actions) on one line, on a
terminal wrapped at its width between words, indented under their check.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from grader.model import PROBLEM_STATUSES, CheckStatus, ClassResult, ExerciseStatus, GradeResult, StudentStatus
from grader.reporting.safe_text import terminal_text
from grader.reporting.wording import RUN_KINDS, SETUP_ERROR_LEAD, STATUS_LABELS


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
        label = STATUS_LABELS.get(exercise.status, exercise.status)
        _say(f"  {exercise.id}  {exercise.title:<{width}}  {score} {label}", file=file)
        if result.problem and exercise.status == ExerciseStatus.MISSING:
            continue  # the submission's problem, printed once above, is the reason
        said_once = exercise.problem_said_once
        if (exercise.status in PROBLEM_STATUSES or said_once) and exercise.message:
            _say_whole(first_line(exercise.message, None), "        ", file)
        for check in exercise.checks:
            if said_once:
                break  # every failed check has the problem just printed
            if (
                check.status != CheckStatus.PASSED
                and not check.feedback_only
                and exercise.status != ExerciseStatus.MISSING
            ):
                reason = check.diagnosis or check.message
                _say_whole(f"({check.part}) {check.name}: {first_line(reason, None)}", "        ", file)
    _say(f"  Total: {result.score:g}/{result.max_score:g}   ({result.duration_s:.2f} s)", file=file)
    if result.grader_errors:
        _say(
            f"  Grader error in {len(result.grader_errors)} check(s): the total is not final. First: "
            f"{first_line(result.grader_errors[0], 300)}",
            file=file,
        )
    if out_dir is not None:
        _say(f"  Report: {out_dir / 'report.html'}   Results: {out_dir / 'results.json'}", file=file)


def _say(text: str, file: TextIO | None = None) -> None:
    """Print a line that may hold learner text (names, messages): its control characters written out."""
    print(terminal_text(text, one_line=True), file=file or sys.stdout)


def _say_whole(text: str, indent: str, file: TextIO) -> None:
    """``text`` in full: wrapped between words at a terminal's width, on one line anywhere else."""
    text = terminal_text(text, one_line=True)
    if not (hasattr(file, "isatty") and file.isatty()):
        print(indent + text, file=file)
        return
    width = max(shutil.get_terminal_size().columns, len(indent) + 40)
    wrapped = textwrap.fill(
        text, width, initial_indent=indent, subsequent_indent=indent + "  ", break_long_words=False,
        break_on_hyphens=False,
    )  # fmt: skip
    print(wrapped, file=file)


def first_line(text: str, limit: int | None = 110) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if limit is None or len(line) <= limit else line[: limit - 3] + "..."


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
    for outcome in result.students:
        if outcome.result is not None and outcome.result.grader_errors:
            problems = outcome.result.grader_errors
            _say(f"  Grader error for {outcome.student} in {len(problems)} check(s): {first_line(problems[0])}")
    for entry in result.skipped:
        _say(f"  Skipped {entry}")
    _say(f"  Dashboard: {out_dir / 'index.html'}   Gradebook: {out_dir / 'gradebook.csv'}")
