"""Shared helpers for the grader's own tests: building submissions and grading them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course import ASSIGNMENTS_DIR, EXERCISES, REFERENCE_DIR
from grader.grade import grade_submission
from grader.isolation.sandbox import Limits
from grader.model import GradeResult

TESTS_DIR = Path(__file__).parent


def by_id(result) -> dict:
    return {e.id: e for e in result.exercises}


def check_named(exercise, name: str):
    return next(c for c in exercise.checks if c.name == name)


def result_of(exercises: list, duration_s: float = 0.2) -> GradeResult:
    """A GradeResult around hand-made exercises, for exporters' corner cases."""
    return GradeResult(
        submission="sub",
        seed=1,
        isolation="process",
        isolation_reason="test",
        score=sum(e.score for e in exercises),
        max_score=sum(e.max_score for e in exercises),
        duration_s=duration_s,
        exercises=exercises,
    )


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


__all__ = ["ASSIGNMENTS_DIR", "REFERENCE_DIR", "by_id", "check_named", "result_of"]
