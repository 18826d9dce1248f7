"""The grading pipeline for one submission: load, isolate, check, score, write.

Each step is a plain function called in a visible order. The worker is started before pytest
and the report machinery are imported, so its start-up overlaps the grader's own.
"""

from __future__ import annotations

import os
import shlex
import tempfile
import time
from pathlib import Path

from grader import submission as submissions
from grader.course import EXERCISES, REFERENCE_DIR, title_of
from grader.model import GradeResult
from grader.public import HiddenInputs, PublicInputs, public_inputs
from grader.sandbox import Limits, Workspace

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
    inputs: HiddenInputs | PublicInputs | None = None,
    only: list[str] | None = None,
) -> GradeResult:
    """Grade the submission at ``path``; write results.json and report.html to ``out_dir`` if given.

    By default the grading is the instructor's: against the reference, at hidden inputs seeded
    by ``seed`` (or derived from the submission). ``public=True``, and any run where the
    reference is absent (a student's repository), runs the public checks instead (see
    ``grader.public``). ``inputs`` overrides both (the public checks' recording uses it).
    ``only`` names the exercises to grade (ids such as "ex03"); by default all are graded.

    A given ``workspace`` (started with the same limits) is used and left open for the caller
    to reset and reuse; by default one is started for this submission and closed after it.
    """
    started = time.perf_counter()
    path = Path(path)
    # Start the worker first: it imports NumPy while this process reads the submission and
    # imports NumPy, pytest and the checks.
    own_workspace = workspace is None
    if own_workspace:
        workspace = Workspace(limits, submissions.mentions_matplotlib(path))
    try:
        submission = submissions.load(path)
        if inputs is None:
            inputs = choose_inputs(submission, seed, public)
        notes = submissions.copy_into(submission, workspace.scratch)
        from grader.runner import run_checks
        from grader.session import Session

        chosen = [e for e in EXERCISES if only is None or e.id in only]
        plugin = run_checks(Session(submission, workspace), inputs, chosen)
        mode, reason = workspace.worker.mode, workspace.worker.mode_reason  # the isolation in force
    finally:
        if own_workspace:
            workspace.close()
    from grader.scoring import exercise_result

    exercises = [exercise_result(e.id, title_of(e), plugin.runs.get(e.id), plugin.results[e.id]) for e in chosen]
    result = GradeResult(
        submission=str(path),
        seed=inputs.seed,
        inputs=inputs.kind,
        isolation=mode,
        isolation_reason=reason,
        score=round(sum(e.score for e in exercises), 6),
        max_score=round(sum(e.max_score for e in exercises), 6),
        duration_s=0.0,
        exercises=exercises,
        notes=submission.notes + notes + plugin.collection_errors,
        problem=submission.problem,
        command=reproduce_command(path, inputs, limits),
    )
    if out_dir is not None:
        write_outputs(result, Path(out_dir), started)
    result.duration_s = round(time.perf_counter() - started, 3)
    return result


def choose_inputs(
    submission: submissions.Submission, seed: int | None, public: bool | None
) -> HiddenInputs | PublicInputs:
    if public or (public is None and not REFERENCE_DIR.is_dir()):
        return public_inputs()
    if seed is None:
        seed = int(submission.fingerprint[:8], 16)  # the same submission always gets the same inputs
    return HiddenInputs(seed)


def reproduce_command(path: Path, inputs: HiddenInputs | PublicInputs, limits: Limits) -> str:
    words = ["grader", "grade", str(path)]
    words += ["--public"] if inputs.kind == "public" else ["--seed", str(inputs.seed)]
    if limits.timeout_s != Limits().timeout_s:
        words += ["--timeout", f"{limits.timeout_s:g}"]
    return shlex.join(words)


def write_outputs(result: GradeResult, out_dir: Path, started: float) -> None:
    """Write results.json and report.html, each atomically (never a half-written file)."""
    from grader.report import render_report

    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_report(result)
    result.duration_s = round(time.perf_counter() - started, 3)
    write_atomically(out_dir / RESULTS_FILE, result.to_json())
    write_atomically(out_dir / REPORT_FILE, html)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` whole or not at all, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide reports from a web server or a TA
        with os.fdopen(fd, "wb") as file:
            file.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
