"""Codio runs this file to grade a student's workspace: ``python3 .guides/secure/gradient-grader/autograde.py``.

Written by `grader release --for codio`. Use it as the command of an Advanced Code Test with
partial points, or as the assignment's grading script. It grades the workspace (the folder
that holds ``.guides``) with the instructor's checks at hidden inputs (the grader and the
reference in ``engine/``, settings in ``grading.json``) and sends the percentage and the
feedback to Codio (``CODIO_AUTOGRADE_V2_URL`` or ``CODIO_PARTIAL_POINTS_V2_URL``).
"""

import sys
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent
sys.path.insert(0, str(BUNDLE / "engine"))

from grader.release.runtime import codio_autograde  # noqa: E402  (standard library only)

sys.exit(codio_autograde(BUNDLE, BUNDLE.parents[2]))
