"""Classroom 50 runs this file in the student's checkout: ``python3 autograder.py``.

Written by `grader release --for classroom50`. It grades the checkout with the public checks of
the gradient exercises (the grader in ``engine/``, settings in ``grading.json``), removes any
``result.json``, ``release-body.md`` or ``grader-report`` the student committed, and writes
``grader-report/report.html``, ``release-body.md``, then ``result.json`` (schema
classroom50/result/v1) last. This folder is published: it holds no solution and no hidden
check.
"""

import sys
from pathlib import Path

BUNDLE = Path(__file__).resolve().parent
sys.path.insert(0, str(BUNDLE / "engine"))

from grader.release.runtime import classroom50_autograde  # noqa: E402  (standard library only)

sys.exit(classroom50_autograde(BUNDLE, Path.cwd()))
