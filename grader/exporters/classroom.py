"""Results as the retired GitHub Classroom's grading reporter reads them (legacy: ``--format classroom``).

GitHub Classroom closed in August 2026; this format stays for workflows that still run
``classroom-resources/autograding-grading-reporter``. New releases use ``grader.exporters.actions``.

``classroom-resources/autograding-grading-reporter@v1`` reads, for every runner listed in its
``runners`` input, an environment variable ``<RUNNER ID>_RESULTS`` holding base64-encoded JSON
(``{"version": 1, "status", "max_score", "tests": [...]}``) and sums ``tests[].score``. The
command-grader steps produce that JSON with all or nothing per step; this module produces it
from a whole grading, one test per check, so the reporter shows the real partial score.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from grader.exporters.feedback import summary_markdown
from grader.model import CheckStatus, GradeResult

OUTPUT_NAME = "result"  # the step output the workflow passes to the reporter


def to_classroom(result: GradeResult) -> dict:
    """The reporter's JSON: one test per graded check (0-point feedback checks are left out)."""
    tests = []
    for exercise in result.exercises:
        graded = exercise.graded_checks
        for check in graded:
            message = "" if check.status == CheckStatus.PASSED else check.message or exercise.message
            tests.append(
                _test(f"{exercise.id} ({check.part}) {check.name}", check.status, check.score, message, exercise)
            )
        if not graded:  # nothing ran (a collection error): say so rather than show nothing
            tests.append(_test(f"{exercise.id} {exercise.title}", CheckStatus.ERROR, 0.0, exercise.message, exercise))
    if result.problem:
        status = "error"
    else:
        status = "pass" if result.score >= result.max_score else "fail"
    return {"version": 1, "status": status, "max_score": result.max_score, "tests": tests}


def _test(name: str, check_status: str, score: float, message: str, exercise) -> dict:
    return {
        "name": name,
        "status": {CheckStatus.PASSED: "pass", CheckStatus.FAILED: "fail"}.get(check_status, "error"),
        "score": score,
        "message": message,
        "test_code": f"grader check {exercise.id}",  # what a student runs to see this check locally
        "filename": "",
        "line_no": 0,
        "duration": 0,  # checks are not timed one by one; the exercise's time is in the report
    }


def encoded(result: GradeResult) -> str:
    return base64.b64encode(json.dumps(to_classroom(result), allow_nan=False).encode()).decode()


def write_step_output(result: GradeResult) -> Path | None:
    """In GitHub Actions: append ``result=<base64 JSON>`` to $GITHUB_OUTPUT, as the command grader does,
    and the markdown summary to $GITHUB_STEP_SUMMARY (the run's page). None outside Actions."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(summary_markdown(result) + "\n")
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as file:
        file.write(f"{OUTPUT_NAME}={encoded(result)}\n")
    return Path(target)
