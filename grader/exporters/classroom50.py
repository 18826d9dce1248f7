"""Classroom 50: a graded run as ``result.json`` (schema ``classroom50/result/v1``) and ``release-body.md``.

Classroom 50 publishes both as a Release of the student's repository and gathers every
``result.json`` into the classroom's gradebook. Its rules (foundation50/classroom50,
``schemas/result-v1.schema.json`` and ``runner.py::validate_result``): the top-level keys are
exactly the schema's (no others); ``score``, ``max-score`` and every test's ``score`` and
``max-score`` are non-negative integers with score <= max; a test may carry extra keys, which
are kept. So points are multiplied by ``points_scale`` (2 for this course's half points): a
check worth 1.5 points is a test worth 3. ``classroom``, ``assignment``, ``submission``,
``commit``, ``release`` and ``review`` come from the runner's environment; it overwrites
``owner``, ``assignment_type`` and ``datetime`` itself, and they are written here only so the
file is complete on its own.

One test per graded check, named ``exNN (part) check``, with the check's full feedback as
``message`` and its ``diagnosis``; an exercise with no check that ran is one test carrying the
exercise's message. Checks worth no points are left out of the tests (a failed one would turn
Classroom 50's commit status red at full marks) and listed in the release body instead.

``release-body.md`` holds the total, the table of exercises and one line per failed check,
within ``BODY_LIMIT`` characters: Classroom 50 clips captured output at 2,000 characters in a
Release body, and a body that fits needs no clipping. ``REPORT_FILE`` is where the autograder
puts the HTML report, for an assignment that lists it in its ``release_assets``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path

from grader.exporters.feedback import failure_message, feedback_text, markdown_text, not_final_note, number
from grader.files import write_atomically
from grader.model import CheckStatus, ExerciseStatus, GradeResult

SCHEMA = "classroom50/result/v1"
RESULT_FILE = "result.json"
BODY_FILE = "release-body.md"
REPORT_FILE = "grader-report/report.html"  # beside them: the HTML report, for the assignment's release_assets
OUTPUT_FILES = (RESULT_FILE, BODY_FILE, REPORT_FILE.split("/")[0])
BODY_LIMIT = 2000
LINE_LIMIT = 160  # one failed check's line in the body


def to_classroom50(result: GradeResult, env: Mapping[str, str], points_scale: int) -> dict:
    """``result`` as Classroom 50's result.json, identified by the runner's environment ``env``."""
    tests = []
    for exercise in result.exercises:
        graded = exercise.graded_checks
        for check in graded:
            test = {
                "test-name": f"{exercise.id} ({check.part}) {check.name}",
                "passed": check.status == CheckStatus.PASSED,
                "score": _points(check.score, points_scale),
                "max-score": _points(check.max_score, points_scale),
                "exercise": exercise.id,
            }
            if check.status != CheckStatus.PASSED:
                test["message"] = feedback_text(check, exercise)
                if check.diagnosis:
                    test["diagnosis"] = check.diagnosis
            tests.append(test)
        if not graded:  # nothing ran (missing, or no checks could be collected): say why
            tests.append(
                {
                    "test-name": f"{exercise.id} {exercise.title}",
                    "passed": exercise.status == ExerciseStatus.PASSED,
                    "score": _points(exercise.score, points_scale),
                    "max-score": _points(exercise.max_score, points_scale),
                    "exercise": exercise.id,
                    "message": exercise.message or f"{exercise.id}: {exercise.status}",
                }
            )
    return {
        "schema": SCHEMA,
        "classroom": env.get("CLASSROOM") or "local",
        "assignment": env.get("ASSIGNMENT") or "local",
        "assignment_type": env.get("ASSIGNMENT_TYPE") or "individual",
        "owner": env.get("OWNER") or env.get("USERNAME") or "local",
        "submission": env.get("SUBMISSION_TAG") or "submit/local",
        "commit": env.get("COMMIT_URL") or "local",
        "release": env.get("RELEASE_URL") or "local",
        "review": env.get("REVIEW_URL") or env.get("COMMIT_URL") or "local",
        "datetime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }


def release_body(result: GradeResult, points_scale: int) -> str:
    """The Release's text: total, exercises, and as many failed checks as fit in ``BODY_LIMIT``."""
    scaled = f"{_points(result.score, points_scale)} / {_points(result.max_score, points_scale)}"
    head = [
        f"### Public checks: {scaled} ({number(result.score)} / {number(result.max_score)} points)",
        "",
        f"Scores here are in units of 1/{points_scale} point. Public checks, not the grade: your grade comes from "
        "the instructor's run at hidden inputs.",
        "",
    ]
    if note := not_final_note(result):
        head += [f"**Not final:** {markdown_text(note)}", ""]
    if result.problem:
        head += [f"**Nothing could be graded:** {_clip(markdown_text(result.problem))}", ""]
    head += ["| Exercise | Points | Status |", "|:--|--:|:--|"]
    for e in result.exercises:
        head.append(f"| {e.id} {markdown_text(e.title)} | {number(e.score)} / {number(e.max_score)} | {e.status} |")
    failures, feedback = [], []
    for exercise in result.exercises:
        if not exercise.checks and exercise.status != ExerciseStatus.PASSED:
            failures.append(f"- {exercise.id}: {_clip(markdown_text(exercise.message or exercise.status))}")
        for check in exercise.checks:
            if check.status != CheckStatus.PASSED:
                line = f"- {exercise.id} ({check.part}) {check.name}: {_clip(markdown_text(failure_message(check)))}"
                (feedback if check.feedback_only else failures).append(line)
    tail = "Run `grader check` in your repository to see each failed check's input, expected and returned value."
    sections = [("**Failed checks**", failures), ("**Feedback (no points)**", feedback)]
    return _fit(head, sections, tail)


def write_classroom50(result: GradeResult, checkout: Path, env: Mapping[str, str], points_scale: int) -> None:
    """Write release-body.md, then result.json: the result is the last file written, each one whole."""
    write_atomically(Path(checkout) / BODY_FILE, release_body(result, points_scale))
    data = to_classroom50(result, env, points_scale)
    write_atomically(Path(checkout) / RESULT_FILE, json.dumps(data, indent=2, allow_nan=False) + "\n")


def _points(points: float, points_scale: int) -> int:
    return int(round(points * points_scale))


def _clip(text: str, limit: int = LINE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fit(head: list[str], sections: list[tuple[str, list[str]]], tail: str) -> str:
    """The body with as many section lines as fit in ``BODY_LIMIT``, saying how many were left out."""
    text = "\n".join(head)
    for title, lines in sections:
        if not lines:
            continue
        text += f"\n\n{title}\n"
        for shown, line in enumerate(lines):
            more = f"\n- ... and {len(lines) - shown} more"
            if len(text) + len(line) + 1 + len(more) + len(tail) + 2 > BODY_LIMIT:
                text += more
                break
            text += "\n" + line
    return f"{text}\n\n{tail}\n"[:BODY_LIMIT]
