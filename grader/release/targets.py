"""``grader release --for TARGET``: the checks before writing anything, then the target's writer.

- ``actions`` (``grader.release.actions``): the starter repository with a plain GitHub Actions workflow.
"""

from __future__ import annotations

from pathlib import Path

from grader.course import REFERENCE_DIR
from grader.release import TARGETS
from grader.release.actions import write_actions_release


class ReleaseError(Exception):
    """The release cannot be written here (the folder is in use, or this is not the instructor's tree)."""


def write_release(out: Path, target: str = "actions") -> list[Path]:
    """Write the release for ``target`` into ``out`` (new or empty); return the files written."""
    if target not in TARGETS:
        raise ReleaseError(f"--for must be one of {', '.join(TARGETS)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not an empty folder: choose a new one")
    if not REFERENCE_DIR.is_dir():
        raise ReleaseError("the reference solutions are not here: run `grader release` in the instructor's project")
    return write_actions_release(out)
