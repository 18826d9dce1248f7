"""Helpers the grader's tests share: finding exercises and checks in a result, results made by hand."""

from __future__ import annotations

from pathlib import Path

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


def break_a_check(package: Path) -> str:
    """Make one check of the grader package at ``package`` (a copy) raise: a fault in the grader's own code.

    Every grading with that copy then leaves the check undecided ("grader error"). Returns the
    check as results name it.
    """
    module = package / "exercises" / "ex02_gradient_geometry.py"
    docstring = '    """grad_f agrees with centred finite differences of f, also at points with x != y."""\n'
    source = module.read_text()
    assert docstring in source
    module.write_text(source.replace(docstring, docstring + '    raise RuntimeError("a fault in the check")\n'))
    return "ex02 grad_f_matches_finite_differences"
