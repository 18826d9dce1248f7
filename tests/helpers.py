"""Helpers the grader's tests share: finding exercises and checks in a result, results made by hand."""

from __future__ import annotations

from grader.model import ExerciseResult, GradeResult


def by_id(result: GradeResult) -> dict[str, ExerciseResult]:
    return {e.id: e for e in result.exercises}


def check_named(exercise: ExerciseResult, name: str):
    return next(c for c in exercise.checks if c.name == name)


def result_of(
    exercises: list[ExerciseResult], *, submission: str = "sub", duration_s: float = 0.2, problem: str = ""
) -> GradeResult:
    """A GradeResult around hand-made exercises, its totals their sums."""
    return GradeResult(
        submission=submission,
        seed=1,
        isolation="process",
        isolation_reason="test",
        score=sum(e.score for e in exercises),
        max_score=sum(e.max_score for e in exercises),
        duration_s=duration_s,
        exercises=exercises,
        problem=problem,
    )
