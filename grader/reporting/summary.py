"""The terminal summary printed after grading: one line per exercise and the total."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import TextIO

from grader.model import ClassResult, GradeResult
from grader.reporting.wording import RUN_KINDS, STATUS_LABELS


def print_summary(result: GradeResult, out_dir: Path | None, file: TextIO | None = None) -> None:
    file = file or sys.stdout  # looked up at call time: tests and the classroom format swap it
    print(
        f"Grading {result.submission}  ({result.inputs} inputs, seed {result.seed}, isolation: {result.isolation})",
        file=file,
    )
    print(f"  {RUN_KINDS[result.inputs]}", file=file)
    if result.problem:
        print(f"  Problem: {result.problem}", file=file)
    width = max(len(e.title) for e in result.exercises) if result.exercises else 10
    for exercise in result.exercises:
        score = f"{exercise.score:>5g}/{exercise.max_score:<3g}"
        label = STATUS_LABELS.get(exercise.status, exercise.status)
        print(f"  {exercise.id}  {exercise.title:<{width}}  {score} {label}", file=file)
        if exercise.status in ("error", "timeout", "missing") and exercise.message:
            print(f"        {first_line(exercise.message)}", file=file)
        for check in exercise.checks:
            if check.status != "passed" and check.max_score > 0 and exercise.status not in ("missing",):
                reason = check.details.get("diagnosis") or check.message
                print(f"        ({check.part}) {check.name}: {first_line(reason, 90)}", file=file)
    print(f"  Total: {result.score:g}/{result.max_score:g}   ({result.duration_s:.2f} s)", file=file)
    if result.grader_errors:
        print(
            f"  Grader error in {len(result.grader_errors)} check(s): the total is not final. First: "
            f"{first_line(result.grader_errors[0], 300)}",
            file=file,
        )
    if out_dir is not None:
        print(f"  Report: {out_dir / 'report.html'}   Results: {out_dir / 'results.json'}", file=file)


def first_line(text: str, limit: int = 110) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def print_class_summary(result: ClassResult, out_dir: Path) -> None:
    graded = [o.result.score for o in result.students if o.result is not None]
    reused = sum(o.status == "reused" for o in result.students)
    errors = [o for o in result.students if o.status == "error"]
    print(
        f"Graded {len(result.students)} students in {result.duration_s:.1f} s ({reused} unchanged since the last run)."
    )
    if graded:
        print(f"  Mean {statistics.mean(graded):.1f}, median {statistics.median(graded):g}, of 100.")
    for outcome in errors:
        print(f"  Grader error for {outcome.student}: {first_line(outcome.message.strip().splitlines()[-1])}")
    for entry in result.skipped:
        print(f"  Skipped {entry}")
    print(f"  Dashboard: {out_dir / 'index.html'}   Gradebook: {out_dir / 'gradebook.csv'}")
