"""``grader release --for TARGET``: the checks before writing anything, then the target's writer.

- ``actions`` (``grader.release.actions``): the starter repository with a plain GitHub Actions workflow;
- ``classroom50`` (``grader.release.classroom50``): the template and the config repository's autograder folder;
- ``codio`` (``grader.release.codio``): the assignment's workspace with its secure grading script.
"""

from __future__ import annotations

from pathlib import Path

from grader.course import REFERENCE_DIR
from grader.release import TARGETS
from grader.release.actions import write_actions_release
from grader.release.classroom50 import DEFAULT_ASSIGNMENT, assignment_error, write_classroom50_release
from grader.release.codio import write_codio_release


class ReleaseError(Exception):
    """The release cannot be written here (the folder is in use, or this is not the instructor's tree)."""


def write_release(out: Path, target: str = "actions", assignment: str | None = None) -> list[Path]:
    """Write the release for ``target`` into ``out`` (new or empty); return the files written.

    ``assignment`` is the Classroom 50 assignment's slug (its folder in the config repository).
    """
    if target not in TARGETS:
        raise ReleaseError(f"--for must be one of {', '.join(TARGETS)}")
    if assignment is not None and target != "classroom50":
        raise ReleaseError("--assignment names a Classroom 50 assignment: use it with --for classroom50")
    if assignment is not None and assignment_error(assignment):
        raise ReleaseError(assignment_error(assignment))
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not an empty folder: choose a new one")
    if not REFERENCE_DIR.is_dir():
        raise ReleaseError("the reference solutions are not here: run `grader release` in the instructor's project")
    if target == "classroom50":
        return write_classroom50_release(out, assignment or DEFAULT_ASSIGNMENT)
    if target == "codio":
        return write_codio_release(out)
    return write_actions_release(out)
