"""Rendering a GradeResult as one self-contained HTML page (templates/report.html.j2)."""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, select_autoescape

from grader.course import TEMPLATES_DIR
from grader.model import GradeResult
from grader.reporting.wording import RUN_KINDS, SETUP_ERROR_LEAD, STATUS_LABELS


@functools.cache
def templates() -> Environment:
    """The Jinja2 environment of templates/ (HTML escaped), shared by the report and the dashboard."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(result: GradeResult) -> str:
    template = templates().get_template("report.html.j2")
    return template.render(
        result=result, labels=STATUS_LABELS, percent=_percent, run_kinds=RUN_KINDS, setup_error_lead=SETUP_ERROR_LEAD
    )


def _percent(score: float, max_score: float) -> int:
    return round(100 * score / max_score) if max_score else 0
