"""What every exporter says the same way: feedback on a check, a score, a markdown summary."""

from __future__ import annotations

import re

from grader.model import PROBLEM_STATUSES, CheckResult, ExerciseResult, GradeResult
from grader.reporting.wording import RUN_KINDS

# Backslash escapes that every Markdown flavour knows; HTML entities for what only some of them escape.
_MARKDOWN_ESCAPES = {c: "\\" + c for c in "\\`*_{}[]()#+-.!"} | {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "~": "&#126;",
}
_MARKDOWN_SPECIAL = re.compile("[" + re.escape("".join(_MARKDOWN_ESCAPES)) + "]")


def failure_message(check: CheckResult) -> str:
    """The one-line reason a check did not pass: its diagnosis, else its message."""
    return check.diagnosis or check.message or f"{check.name}: {check.status}"


def feedback_text(check: CheckResult, exercise: ExerciseResult) -> str:
    """The full feedback on an unpassed check: the root cause, the check's message, what it verifies.

    The exercise's message comes first when the exercise is missing, raised or timed out and the
    check's message does not already say it. The check's message holds the input, the expected and
    the returned value, the tolerance and usually the diagnosis (added when it does not).
    """
    blocks = []
    if exercise.status in PROBLEM_STATUSES and exercise.message and exercise.message not in check.message:
        blocks.append(f"Exercise {exercise.id} ({exercise.status}): {exercise.message}")  # the root cause first
    blocks.append(check.message or f"{check.name}: {check.status}")
    diagnosis = check.diagnosis
    if diagnosis and diagnosis not in check.message:
        blocks.append(f"Diagnosis: {diagnosis}")
    points = "feedback only" if check.feedback_only else f"{number(check.score)}/{number(check.max_score)} points"
    about = f"Check ({check.part}) {check.name}, {points}" + (f": {check.description}" if check.description else ".")
    return "\n\n".join([*blocks, about])


def number(value: float) -> str:
    """A score as text: 7.5, 10, 0.25 (no trailing .0, no float noise)."""
    return format(float(value), ".12g")


def summary_markdown(result: GradeResult) -> str:
    """The overall output: total, a table of exercises, problems and notes, and how the grade was produced."""
    lines = [f"**Total: {number(result.score)} / {number(result.max_score)}**", ""]
    if note := not_final_note(result):
        lines += [f"**Not final:** {markdown_text(note)}", ""]
    if result.problem:
        lines += [f"**Nothing could be graded:** {markdown_text(result.problem)}", ""]
    lines += ["| Exercise | Score | Status |", "|:--|--:|:--|"]
    for e in result.exercises:
        score = f"{number(e.score)} / {number(e.max_score)}"
        lines.append(f"| {e.id} {markdown_text(e.title)} | {score} | {e.status} |")
    problems = [e for e in result.exercises if e.status in PROBLEM_STATUSES and e.message]
    if problems:
        lines += ["", "**Exercises that could not be graded in full:**", ""]
        lines += [f"- {e.id} ({e.status}): {markdown_text(e.message)}" for e in problems]
    if result.notes:
        lines += ["", "**Notes on your submission:**", ""] + [f"- {markdown_text(note)}" for note in result.notes]
    if result.inputs != "hidden":
        lines += ["", f"**{markdown_text(RUN_KINDS.get(result.inputs, result.inputs))}**"]
    if result.inputs == "public":
        compared = (
            "**How this score was produced.** Each of your functions was called at the public inputs (seed "
            f"{result.seed}) and its answers compared with the reference's answers recorded for those inputs"
        )
    else:
        compared = (
            "**How this grade was produced.** Each of your functions was called at random inputs (seed "
            f"{result.seed}, the same whenever this submission is graded again) and its answers compared with "
            "the instructor's reference solution"
        )
    isolation = "in a separate, isolated process" if result.isolation == "bubblewrap" else "in a separate process"
    lines += [
        "",
        f"{compared}, within the tolerance each test names; gradients were also checked against finite "
        "differences. Each test earns all of its points or none; tests marked feedback only earn none. A failed "
        "test shows the input, the expected and the returned value, and the mistake when it is a known one. "
        f"Your code ran {isolation} ({markdown_text(result.isolation)}: {markdown_text(result.isolation_reason)}).",
    ]
    return "\n".join(lines)


def not_final_note(result: GradeResult) -> str:
    """Why the total is not final (the grader failed on some checks), in plain words; "" when it is final."""
    undecided = result.undecided_checks
    if not undecided:
        return ""
    checks = "one check" if len(undecided) == 1 else f"{len(undecided)} checks"
    return (
        f'the grader itself failed on {checks} ({", ".join(undecided)}), marked "grader error". Their points '
        "are undecided: the total leaves them out until your instructor has looked at them."
    )


def markdown_text(text: str) -> str:
    """``text`` as literal inline markdown: one line, every markdown-significant character escaped."""
    return _MARKDOWN_SPECIAL.sub(lambda match: _MARKDOWN_ESCAPES[match.group()], " ".join(str(text).split()))
