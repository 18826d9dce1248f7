"""Fixtures for the grader's own tests: building submissions and grading them (helpers: tests/helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.grade import grade_submission
from grader.isolation.sandbox import Limits

TESTS_DIR = Path(__file__).parent


@pytest.fixture
def make_folder(tmp_path):
    """A folder submission: reference modules, with some replaced by given source or left out."""

    def make(replace: dict[str, str] | None = None, only: list[str] | None = None, base: Path = REFERENCE_DIR) -> Path:
        folder = tmp_path / "submission"
        folder.mkdir(exist_ok=True)
        for exercise in EXERCISES:
            if only is not None and exercise.id not in only:
                continue
            target = folder / f"{exercise.module}.py"
            if replace and exercise.id in replace:
                target.write_text(replace[exercise.id])
            else:
                shutil.copyfile(base / f"{exercise.module}.py", target)
        return folder

    return make


@pytest.fixture
def grade():
    def run(path, **kwargs):
        kwargs.setdefault("limits", Limits(timeout_s=kwargs.pop("timeout", 10.0)))
        return grade_submission(path, **kwargs)

    return run
