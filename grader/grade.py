"""Grading one submission, end to end: choose the inputs, grade, write the outputs.

The steps are plain functions called in a visible order: start the worker, load the
submission, choose its inputs (hidden, seeded from the submission; or the public checks'),
grade (``grader.grading``), then write ``results.json`` and ``report.html``.
"""

from __future__ import annotations

import numbers
import time
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import REFERENCE_DIR
from grader.files import write_atomically
from grader.grading import grade_loaded, start_workspace
from grader.isolation.sandbox import Limits, Workspace
from grader.model import GradeResult
from grader.submissions import loading

if TYPE_CHECKING:  # imported where used: it imports NumPy, which must wait until the worker has started
    from grader.checking.inputs import HiddenInputs, PublicInputs

RESULTS_FILE = "results.json"
REPORT_FILE = "report.html"


def grade_submission(
    path: str | Path,
    *,
    out_dir: str | Path | None = None,
    seed: int | None = None,
    limits: Limits = Limits(),
    workspace: Workspace | None = None,
    public: bool | None = None,
    only: list[str] | None = None,
) -> GradeResult:
    """Grade the submission at ``path``; write results.json and report.html to ``out_dir`` if given.

    By default the grading is the instructor's: against the reference, at hidden inputs seeded
    by ``seed`` (or derived from the submission). ``public=True``, and any run where the
    reference is absent (a student's repository), runs the public checks instead (see
    ``grader.public``). ``only`` names the exercises to grade (ids such as "ex03"); by default
    all are graded.

    A given ``workspace`` (started with the same limits) is used and left open for the caller
    to reset and reuse; by default one is started for this submission and closed after it.
    Raises FileNotFoundError when ``path`` does not exist and ValueError for a negative seed.
    """
    started = time.perf_counter()
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"no such submission: {path}")
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"the seed must be a non-negative integer, not {seed!r}")
    own_workspace = workspace is None
    if own_workspace:
        workspace = start_workspace(path, limits)
    try:
        submission = loading.load(path)
        if only is None and submission.lone_module:  # a lone module is its exercise alone
            only = [e for e, code in submission.exercises.items() if code.kind != "missing"]
        inputs = choose_inputs(submission, seed, public)
        result = grade_loaded(path, submission, inputs, workspace, only)
    finally:
        if own_workspace:
            workspace.close()
    if out_dir is not None:
        write_outputs(result, Path(out_dir), started)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


def choose_inputs(submission: loading.Submission, seed: int | None, public: bool | None) -> HiddenInputs | PublicInputs:
    if public or (public is None and not REFERENCE_DIR.is_dir()):
        from grader.public import public_inputs  # the shipped recording, or one made now

        return public_inputs()
    if seed is None:
        # The same submission always gets the same inputs, and any change to any of its files new
        # ones; 64 bits, so that no one can search for a change that keeps the inputs.
        seed = int(submission.fingerprint[:16], 16)
    from grader.checking.inputs import HiddenInputs

    return HiddenInputs(seed)


def write_outputs(result: GradeResult, out_dir: Path, started: float) -> None:
    """Write results.json and report.html, each atomically (never a half-written file)."""
    from grader.reporting.report import render_report

    result.duration_s = round(time.perf_counter() - started, 3)
    html = render_report(result)
    write_atomically(out_dir / RESULTS_FILE, result.to_json())
    write_atomically(out_dir / REPORT_FILE, html)
