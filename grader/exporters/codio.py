"""Codio: a graded run as the percentage and the Markdown feedback Codio's grading URLs take.

Codio's documentation (codio/knowledge: ``assessments/partial-points.rst`` and
``assessments/auto-grade-scripts.rst``): an Advanced Code Test with partial points gets
``CODIO_PARTIAL_POINTS_V2_URL``, which takes ``points`` (the percentage of the test's points,
0-100), ``feedback`` (at most 1 MB) and ``format`` (``html``, ``md`` or ``txt``); an
assignment-level grading script gets ``CODIO_AUTOGRADE_V2_URL``, which takes ``grade`` (0-100),
``feedback`` and ``format`` (and ``penalty``, ``extra_credit``, not used here). Both accept GET
or POST; this posts the fields form-encoded, as the documentation's ``curl -d`` examples do,
retrying three times. The assignment-level URL wins when both are set.

The feedback is the markdown summary (total, exercises, how the grade was produced) and each
unpassed check's full feedback as an indented code block, so nothing a learner's code printed or
raised is read as Markdown or HTML.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping

from grader.exporters.feedback import feedback_text, markdown_text, number, summary_markdown
from grader.model import CheckStatus, GradeResult

FEEDBACK_LIMIT = 1 << 20  # bytes: Codio refuses a larger payload
ASSIGNMENT_URL = "CODIO_AUTOGRADE_V2_URL"  # field "grade"
PARTIAL_POINTS_URL = "CODIO_PARTIAL_POINTS_V2_URL"  # field "points"
ATTEMPTS = 3


class CodioError(Exception):
    """The grade could not be sent to Codio."""


def percentage(result: GradeResult) -> float:
    """The score as a percentage of the maximum, to two decimals."""
    return round(100 * result.score / result.max_score, 2) if result.max_score else 0.0


def codio_feedback(result: GradeResult) -> str:
    """The Markdown feedback: the summary, then every unpassed check's feedback; at most ``FEEDBACK_LIMIT`` bytes."""
    parts = [summary_markdown(result)]
    for exercise in result.exercises:
        for check in exercise.checks:
            if check.status != CheckStatus.PASSED:
                points = "feedback only" if check.feedback_only else f"{number(check.score)}/{number(check.max_score)}"
                heading = f"#### {exercise.id} ({check.part}) {markdown_text(check.name)}: {points}"
                parts.append(heading + "\n\n" + _code_block(feedback_text(check, exercise)))
    text = "\n\n".join(parts) + "\n"
    cut = "\n\n(The rest of the feedback is longer than Codio accepts.)\n"
    if len(text.encode()) > FEEDBACK_LIMIT:
        text = text.encode()[: FEEDBACK_LIMIT - len(cut.encode())].decode(errors="ignore") + cut
    return text


def codio_fields(result: GradeResult, env: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The URL to call and the fields to send, from the variables Codio sets for the script."""
    fields = {"feedback": codio_feedback(result), "format": "md"}
    if env.get(ASSIGNMENT_URL):
        return env[ASSIGNMENT_URL], {"grade": number(percentage(result)), **fields}
    if env.get(PARTIAL_POINTS_URL):
        return env[PARTIAL_POINTS_URL], {"points": number(percentage(result)), **fields}
    raise CodioError(
        f"neither {ASSIGNMENT_URL} nor {PARTIAL_POINTS_URL} is set: Codio sets them when it runs the script"
    )


def send_to_codio(result: GradeResult, env: Mapping[str, str]) -> str:
    """POST the grade and the feedback to Codio; what was sent, or CodioError."""
    url, fields = codio_fields(result, env)
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    problem = ""
    for attempt in range(ATTEMPTS):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30):
                name = "grade" if "grade" in fields else "points"
                return f"Sent {name}={fields[name]} (percent) and {len(fields['feedback'])} characters of feedback."
        except urllib.error.HTTPError as error:
            problem = f"Codio answered HTTP {error.code} {error.reason}"
        except (urllib.error.URLError, OSError) as error:
            problem = f"Codio could not be reached: {error}"
        time.sleep(attempt)
    raise CodioError(problem)


def _code_block(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
