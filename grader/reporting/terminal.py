"""A student's feedback in the terminal, for ``grader check``: every check, every diagnosis.

Colour comes from rich, which also drops it where it does not belong (a pipe, a CI log
without colour support, ``NO_COLOR`` set).
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.text import Text

from grader.model import PROBLEM_STATUSES, CheckStatus, ExerciseResult, ExerciseStatus, GradeResult
from grader.reporting.safe_text import terminal_text
from grader.reporting.wording import RUN_KINDS, SETUP_ERROR_LEAD, STATUS_LABELS

STYLES = {ExerciseStatus.PASSED: "green", ExerciseStatus.PARTIAL: "yellow"}  # every other status: red


def _shown(text: str) -> str:
    """Learner text (names, messages) as plain text: no rich markup, no terminal control characters."""
    return escape(terminal_text(text))


def print_feedback(result: GradeResult, html: Path | None = None, console: Console | None = None) -> None:
    # In a pipe or a CI log, long lines stay whole rather than wrapped at 80 columns.
    console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
    if result.problem:
        console.print(f"[bold red]Nothing could be graded:[/] {_shown(result.problem)}")
    for error in result.setup_errors:
        console.print(f"[yellow]{SETUP_ERROR_LEAD}[/] {_shown(error)}")
    for exercise in result.exercises:
        _print_exercise(console, exercise, html, repeat_problem=not result.problem)
    for note in result.notes:
        console.print(f"[dim]Note: {_shown(note)}[/]")
    style = "green" if result.score >= result.max_score else "yellow"
    console.print(f"\n[bold {style}]{result.score:g} / {result.max_score:g}[/] in {result.duration_s:.2f} s")
    console.print(f"[dim]{_shown(RUN_KINDS[result.inputs])}[/]")
    if html is not None:
        console.print(f"Report: {html}")


def print_indented(console: Console, text: str | Text, indent: int, style: str = "") -> None:
    """``text`` indented; on a terminal wrapped between words with every line indented, elsewhere whole."""
    text = text if isinstance(text, Text) else Text(terminal_text(text), style=style)
    if console.soft_wrap:  # a pipe or a CI log: one long line reads better than a hard-wrapped one
        console.print(Text(" " * indent) + text)
    else:
        console.print(Padding(text, (0, 0, 0, indent)))


def _print_exercise(console: Console, exercise: ExerciseResult, html: Path | None, repeat_problem: bool) -> None:
    style = STYLES.get(exercise.status, "red")
    console.print(
        f"\n[bold]{exercise.id} {_shown(exercise.title)}[/]  [{style}]{exercise.score:g}/{exercise.max_score:g}"
        f" {STATUS_LABELS.get(exercise.status, exercise.status)}[/]"
    )
    if exercise.status == ExerciseStatus.MISSING and not repeat_problem:
        return  # the submission's problem, printed once above, is the reason
    said_once = exercise.problem_said_once
    if (exercise.status in PROBLEM_STATUSES or said_once) and exercise.message:
        print_indented(console, exercise.message, 2, style)
        if exercise.status == ExerciseStatus.MISSING:
            return
    for check in exercise.checks:
        if check.status == CheckStatus.PASSED:
            mark, points = "[green]✓[/]", "feedback" if check.feedback_only else f"{check.max_score:g}"
            title = f"{mark} ({check.part}) {_shown(check.description or check.name)} [dim]{points}[/]"
            print_indented(console, Text.from_markup(title), 2)
            if check.inherits:  # error carried forward: say whose error it inherits
                print_indented(console, check.message, 6, "yellow")
            continue
        points = "feedback only, no points" if check.feedback_only else f"0/{check.max_score:g}"
        title = f"[red]✗[/] ({check.part}) {_shown(check.description or check.name)} [dim]{points}[/]"
        print_indented(console, Text.from_markup(title), 2)
        if not (said_once and not check.feedback_only):
            print_indented(console, check.message, 6)
    if exercise.output:
        where = f"in {html}" if html else "with --html report.html"
        console.print(f"  [dim]Your code printed {len(exercise.output)} characters: see them {where}.[/]")
