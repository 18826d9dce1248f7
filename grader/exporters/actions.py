"""GitHub Actions: a graded run as workflow commands, the run's summary page and step outputs.

``annotations`` gives one ``::error`` line per failed check (``::notice`` for a failed check worth
no points), placed on the learner's function: ``file`` is the module or the notebook the exercise
was graded from, ``line`` the line of ``def <function>`` there, for the function the check
called (or, failing that, the first function its message names). Messages are escaped as the
workflow-command syntax requires (``%``, CR and LF in the message; also ``:`` and ``,`` in
properties), so learner-controlled text can neither end the command nor start another one.

``write_run_outputs`` appends the markdown summary to ``$GITHUB_STEP_SUMMARY`` and
``score=``/``max-score=`` to ``$GITHUB_OUTPUT``, for a later step to fail the job below full marks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from grader.exporters.feedback import feedback_text, number, summary_markdown
from grader.model import CheckResult, CheckStatus, ExerciseStatus, GradeResult
from grader.submissions import loading

_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY_ESCAPES = _DATA_ESCAPES | {":": "%3A", ",": "%2C"}
_DEFINITION = re.compile(r'^\s*"?\s*def ([A-Za-z_][A-Za-z0-9_]*)\s*\(')  # in a module, or a notebook's JSON line


def annotations(result: GradeResult, submission: Path) -> list[str]:
    """The workflow commands for every unpassed check of ``result``, graded from ``submission``."""
    sources = _sources(Path(submission))
    lines = []
    # GitHub shows 10 error annotations per step on the run's page (the rest only in the log):
    # exercises with some points earned, where the student is at work, come first.
    for exercise in sorted(result.exercises, key=lambda e: e.score == 0):
        unpassed = [c for c in exercise.checks if c.status != CheckStatus.PASSED]
        source = sources.get(exercise.id)
        if not exercise.checks and exercise.status != ExerciseStatus.PASSED:  # nothing ran: the exercise's own message
            lines.append(_command("error", source, None, f"{exercise.id} {exercise.title}", exercise.message))
        for check in unpassed:
            level = "notice" if check.feedback_only else "error"
            points = "feedback only" if check.feedback_only else f"-{number(check.max_score - check.score)} points"
            title = f"{exercise.id} ({check.part}) {check.name}: {points}"
            message = feedback_text(check, exercise)
            lines.append(_command(level, source, _function_line(source, check, message), title, message))
    return lines


def write_run_outputs(result: GradeResult) -> None:
    """The run's page gets the markdown summary; the step gets ``score`` and ``max-score`` outputs."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(summary_markdown(result) + "\n")
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as file:
            file.write(f"score={number(result.score)}\nmax-score={number(result.max_score)}\n")


def _command(level: str, source: Path | None, line: int | None, title: str, message: str) -> str:
    properties = []
    if source is not None:
        properties.append(f"file={_escape(source.as_posix(), _PROPERTY_ESCAPES)}")
        if line is not None:
            properties.append(f"line={line}")
    properties.append(f"title={_escape(title, _PROPERTY_ESCAPES)}")
    return f"::{level} {','.join(properties)}::{_escape(message or title, _DATA_ESCAPES)}"


def _escape(text: str, escapes: dict[str, str]) -> str:
    return "".join(escapes.get(char, char) for char in text)


def _sources(submission: Path) -> dict[str, Path]:
    """Per exercise id, the file its code was graded from, relative to the working folder when inside it."""
    loaded = loading.load(submission)
    notebook = _graded_notebook(submission)
    sources = {}
    for exercise_id, code in loaded.exercises.items():
        if code.kind == "module" and loaded.files_root is not None:
            sources[exercise_id] = _relative(loaded.files_root / f"{code.module}.py")
        elif code.kind == "cells" and notebook is not None:
            sources[exercise_id] = _relative(notebook)
        elif code.kind == "missing" and loaded.files_root is not None:
            sources[exercise_id] = _relative(loaded.files_root / f"{code.module}.py")
    return sources


def _graded_notebook(submission: Path) -> Path | None:
    if submission.is_file():
        return submission
    named = submission / loading.COURSE_NOTEBOOK
    if named.is_file():
        return named
    notebooks = sorted(submission.glob("*.ipynb"))
    return notebooks[0] if len(notebooks) == 1 else None


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _function_line(source: Path | None, check: CheckResult, message: str) -> int | None:
    """The line of the learner's function in ``source``: the one the check called, else the first one named.

    In a notebook the line is the JSON line holding the ``def``, which is where an editor shows it.
    """
    definitions = _definitions(source)
    called = (check.failure.call if check.failure else check.function).split("(", 1)[0].strip()
    if called in definitions:
        return definitions[called]
    named = [(m.start(), name) for name in definitions if (m := re.search(rf"\b{re.escape(name)}\b", message))]
    return definitions[min(named)[1]] if named else None


def _definitions(source: Path | None) -> dict[str, int]:
    """Every ``def name(`` in ``source`` and its first line."""
    if source is None or not loading.regular_file(source):
        return {}
    definitions: dict[str, int] = {}
    try:
        with open(source, encoding="utf-8", errors="replace") as file:
            for line_number, text in enumerate(file, start=1):
                if match := _DEFINITION.match(text):
                    definitions.setdefault(match.group(1), line_number)
    except OSError:
        return {}
    return definitions
