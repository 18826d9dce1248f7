"""The Codio target: the assignment's workspace, with its grading script in ``.guides/secure``.

``OUT`` is what the Codio assignment's workspace holds: the students' files
(``grader.release.starter``, with the public checks for ``grader check`` in Codio's terminal)
and ``.guides/secure/gradient-grader/``: ``autograde.py`` (the entry point, see
``grader.release.runtime``), ``grading.json``, ``requirements.txt`` and ``engine/``, the whole
grader with the reference. Codio does not copy ``.guides/secure`` into students' workspaces: it
mounts it only in the short-lived container that runs a grading script, so, as in a Gradescope
autograder, the grade is the instructor's run at hidden inputs.
"""

from __future__ import annotations

from pathlib import Path

from grader.course import engine_files
from grader.release.runtime import ENGINE_DIR
from grader.release.starter import copy_file, write_grading_bundle, write_student_tree

SECURE_DIR = ".guides/secure/gradient-grader"
SCRIPT = f"{SECURE_DIR}/autograde.py"
TIME_LIMIT_S = 150  # an assignment-level script must finish within 3 minutes, installation included


def write_codio_release(out: Path) -> list[Path]:
    """The workspace for the Codio assignment, grading script included."""
    written = write_student_tree(out, "codio", script=SCRIPT)
    bundle = out / SECURE_DIR
    written += [copy_file(source, bundle / ENGINE_DIR / name) for name, source in engine_files(with_reference=True)]
    settings = {"public": False, "time_limit_s": TIME_LIMIT_S}
    return written + write_grading_bundle(bundle, settings, "codio_autograde.py", Path(SCRIPT).name)
