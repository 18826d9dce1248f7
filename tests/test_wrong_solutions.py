"""Plausible wrong solutions score less than full marks, with the right diagnosis.

Each file in tests/wrong_solutions/<exercise module>/ is an override: the learner's definitions
that differ from the reference, holding one typical mistake. The test joins it to the reference
module (the override's definitions come last, so they replace the reference's, and reference
functions that call them call the wrong ones, as in a learner's module). Each file starts with
comment lines saying what the grader must find:

    # mistake: forgot the factor 2 in the quadratic form's gradient
    # fails: grad_quadratic_symmetric        (a check name; repeat the line for several)
    # diagnosis: constant factor             (text expected in that check's message)
    # inherits: level_curve_tangent_is_...   (a check of a caller, right once its callee is: it keeps
                                              its points and names the callee whose error it inherits)
    # passes: grad_linear_random_vectors     (a check the mistake must not cost: one mistake, one charge)
    # inherits-hidden: ...                   (inherits, in the instructor's grading only: the public
                                              checks recorded no answer of the callee where it calls it)

A mistake whose checks are all feedback only (0 points: beyond the contract) costs nothing.

Each runs twice: in the instructor's grading (hidden inputs, the reference) and as a student's
public check run (public inputs, recorded expectations), which must find the same mistake.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from tests.helpers import by_id, check_named

WRONG_DIR = Path(__file__).parent / "wrong_solutions"
VARIANTS = sorted(WRONG_DIR.glob("ex*/*.py"))


def header_values(path: Path, key: str) -> list[str]:
    header = path.read_text().splitlines()[:12]
    return [m.group(1).strip() for line in header if (m := re.match(rf"#\s*{key}:\s*(.+)", line))]


def expectations(path: Path) -> tuple[list[str], str]:
    return header_values(path, "fails"), next(iter(header_values(path, "diagnosis")), "")


def learner_module(exercise_module: str, override: Path) -> str:
    """The reference module with the override's definitions replacing its own."""
    reference = (REFERENCE_DIR / f"{exercise_module}.py").read_text()
    return f"{reference}\n\n# The learner's own definitions, with the mistake:\n{override.read_text()}"


def test_every_exercise_has_at_least_two_wrong_solutions():
    for exercise in EXERCISES:
        assert len(list((WRONG_DIR / exercise.module).glob("*.py"))) >= 2, exercise.module


@pytest.mark.parametrize("public", [False, True], ids=["hidden", "public"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda p: f"{p.parent.name[:4]}-{p.stem}")
def test_wrong_solution_loses_points_with_diagnosis(variant, public, tmp_path, grade):
    exercise = next(e for e in EXERCISES if e.module == variant.parent.name)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / f"{exercise.module}.py").write_text(learner_module(exercise.module, variant))
    fails, diagnosis = expectations(variant)
    assert fails, f"{variant} names no failing check"
    result = by_id(grade(folder, public=public))[exercise.id]
    if any(check_named(result, name).max_score > 0 for name in fails):
        assert result.score < result.max_score
    else:  # a mistake beyond the contract: told, at no cost
        assert result.score == result.max_score
    assert not [c.name for c in result.checks if "cannot run on the public inputs" in c.message]
    for name in fails:
        failed = check_named(result, name)
        assert failed.status != "passed", f"{name} passed for {variant.name}"
        assert diagnosis.lower() in failed.message.lower(), failed.message
    for name in header_values(variant, "passes"):
        kept = check_named(result, name)
        assert kept.status == "passed" and kept.score == kept.max_score, f"{name}: {kept.message}"
    for name in header_values(variant, "inherits") + header_values(variant, "inherits-hidden") * (not public):
        kept = check_named(result, name)
        assert kept.status == "passed" and kept.score == kept.max_score, kept.message
        assert "Inherits the error of" in kept.message and kept.inherits, kept.message
    for name in header_values(variant, "inherits-hidden") * public:  # no recorded answer of the callee there
        undecided = check_named(result, name)
        assert undecided.status != "passed" and "the instructor's grading judges it again" in undecided.message
