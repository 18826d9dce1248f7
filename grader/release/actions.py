"""The plain GitHub Actions target: the starter repository and a workflow that runs the public checks.

The workflow (``.github/workflows/public-checks.yml``) uses only GitHub's own actions, each at a
major version that runs on Node 24: it installs the public checks, runs ``grader grade . --public
--format actions`` (annotations on the learner's functions, the markdown summary on the run's
page, ``score``/``max-score`` step outputs), uploads ``report.html`` as an artifact, and fails
the job below full marks, so a push shows a red cross until every public check passes. It works
in any repository made from the template: no classroom service is involved.
"""

from __future__ import annotations

from pathlib import Path

from grader.release.starter import release_templates, write_student_tree, write_text

WORKFLOW = ".github/workflows/public-checks.yml"
REPORT_DIR = "grader-report"
PYTHON_VERSION = "3.13"
TIMEOUT_MINUTES = 10  # grading takes seconds; installing NumPy and the rest most of the time


def write_actions_release(out: Path) -> list[Path]:
    """The starter repository with its public-checks workflow."""
    written = write_student_tree(out, "actions", workflow=WORKFLOW, report_dir=REPORT_DIR)
    workflow = (
        release_templates()
        .get_template("public-checks.yml.j2")
        .render(python_version=PYTHON_VERSION, timeout_minutes=TIMEOUT_MINUTES, report_dir=REPORT_DIR)
    )
    return written + [write_text(out / WORKFLOW, workflow)]
