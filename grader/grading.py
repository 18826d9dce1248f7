"""Grading one submission at given inputs: load, isolate, check, score.

This is the pipeline's core, below the choice of inputs (``grader.grade``) and the public
checks' recording (``grader.public``), which both call it. The worker is started before pytest
is imported, so its start-up overlaps the grader's own.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import EXERCISES, title_of
from grader.files import printable_name
from grader.isolation.sandbox import Limits, Workspace
from grader.model import GradeResult
from grader.submissions import loading
from grader.submissions.loading import Submission

if TYPE_CHECKING:  # imported where used: they import NumPy, which must wait until the worker has started
    from grader.checking.inputs import HiddenInputs, PublicInputs
    from grader.checking.session import ExerciseRun


def start_workspace(path: Path, limits: Limits) -> Workspace:
    """A workspace for grading ``path``: its worker starts importing NumPy at once."""
    return Workspace(limits, loading.mentions_matplotlib(path))


def grade_with_inputs(
    path: str | Path,
    inputs: HiddenInputs | PublicInputs,
    *,
    limits: Limits = Limits(),
    only: list[str] | None = None,
) -> GradeResult:
    """Grade the submission at ``path`` at ``inputs``, in a workspace of its own."""
    path = Path(path)
    workspace = start_workspace(path, limits)
    try:
        return grade_loaded(path, loading.load(path), inputs, workspace, only)
    finally:
        workspace.close()


def grade_loaded(
    path: Path,
    submission: Submission,
    inputs: HiddenInputs | PublicInputs,
    workspace: Workspace,
    only: list[str] | None = None,
) -> GradeResult:
    """Grade an already loaded submission on ``workspace``'s worker, which stays open."""
    started = time.perf_counter()
    loading.copy_into(submission, workspace.scratch)
    from grader.checking.runner import run_checks  # after the worker started: pytest's import is slow
    from grader.checking.scoring import exercise_result
    from grader.checking.session import Session

    chosen = [e for e in EXERCISES if only is None or e.id in only]
    plugin = run_checks(Session(submission, workspace), inputs, chosen)
    exercises = [exercise_result(e.id, title_of(e), plugin.runs.get(e.id), plugin.results[e.id]) for e in chosen]
    return GradeResult(
        submission=printable_name(str(path)),
        seed=inputs.seed,
        inputs=inputs.kind,
        isolation=workspace.worker.mode,  # the isolation in force
        isolation_reason=workspace.worker.mode_reason,
        score=round(sum(e.score for e in exercises), 6),
        max_score=round(sum(e.max_score for e in exercises), 6),
        duration_s=round(time.perf_counter() - started, 3),
        exercises=exercises,
        notes=submission.notes + plugin.collection_errors,
        setup_errors=setup_errors(plugin.runs.values()),
        problem=submission.problem,
        command=reproduce_command(path, inputs, workspace.limits),
    )


def setup_errors(runs: Iterable[ExerciseRun]) -> list[str]:
    """The setup cells' failed statements, each once: every exercise runs the same setup cells."""
    from grader.checking.session import describe_error

    seen: dict[str, None] = {}
    for run in runs:
        for error in run.setup_errors:
            seen.setdefault(describe_error(error, in_cells=True))
    return list(seen)


def reproduce_command(path: Path, inputs: HiddenInputs | PublicInputs, limits: Limits) -> str:
    words = ["grader", "grade", printable_name(str(path))]
    words += ["--public"] if inputs.kind == "public" else ["--seed", str(inputs.seed)]
    if limits.timeout_s != Limits().timeout_s:
        words += ["--timeout", f"{limits.timeout_s:g}"]
    return shlex.join(words)
