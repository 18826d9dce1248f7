"""The Classroom 50 target: the student template, and the autograder folder of the config repository.

``OUT/template/`` is the assignment's template repository: the students' files
(``grader.release.starter``) and no workflow at all (Classroom 50 adds its own
``.github/workflows/autograde.yaml`` to every student repository, so a template must not ship one).

``OUT/autograders/ASSIGNMENT/`` goes to ``CLASSROOM/autograders/ASSIGNMENT/`` of the
organisation's ``classroom50`` repository, which Classroom 50 publishes on the organisation's
Pages as ``ASSIGNMENT.tar.gz`` (at most 10 MB, readable by anyone): ``autograder.py`` (the
entry point, see ``grader.release.runtime``), ``grading.json``, ``requirements.txt`` and
``engine/``, the grader without the reference and without hidden checks, with the public
checks' recording. Nothing in it is secret, as nothing in a student's repository is.
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import lcm
from pathlib import Path

from grader.release.runtime import ENGINE_DIR
from grader.release.starter import public_points, write_grading_bundle, write_public_engine, write_student_tree

DEFAULT_ASSIGNMENT = "gradients"
ENTRY_POINT = "autograder.py"  # the name Classroom 50 looks for
TEMPLATE_DIR = "template"
TIME_LIMIT_S = 600  # Classroom 50's grading job stops at 15 minutes, installation included
BUNDLE_LIMIT_BYTES = 10 << 20  # Classroom 50 refuses a larger bundle


def write_classroom50_release(out: Path, assignment: str = DEFAULT_ASSIGNMENT) -> list[Path]:
    """The student template and the assignment's autograder folder, under ``out``."""
    scale = points_scale(public_points())
    readme = {"points_scale": scale, "points_name": _unit_name(scale), "scale_example": _scale_example(scale)}
    written = write_student_tree(out / TEMPLATE_DIR, "classroom50", **readme)
    bundle = out / "autograders" / assignment
    written += write_public_engine(bundle / ENGINE_DIR)
    settings = {"public": True, "points_scale": scale, "time_limit_s": TIME_LIMIT_S}
    return written + write_grading_bundle(bundle, settings, "classroom50_autograder.py", ENTRY_POINT)


def points_scale(points: list[float]) -> int:
    """The smallest whole number that makes every check's points whole (2 for half points)."""
    return lcm(1, *(Fraction(str(p)).limit_denominator(1000).denominator for p in points))


def assignment_error(slug: str) -> str:
    """Why ``slug`` cannot name a Classroom 50 assignment, or "" (lower-case letters, digits and dashes)."""
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{1,38}", slug):
        return ""
    return f"{slug!r} is not a Classroom 50 assignment slug: 2 to 39 lower-case letters, digits and dashes"


def _unit_name(scale: int) -> str:
    return {1: "points", 2: "half points", 4: "quarter points"}.get(scale, f"units of 1/{scale} point")


def _scale_example(scale: int) -> str:
    return f"{scale * 100} stands for 100 points and {scale * 75} for 75" if scale > 1 else "100 stands for 100 points"
