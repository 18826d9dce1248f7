"""The whole path on the course's own material: reference 100, stubs 0, checks well formed."""

from __future__ import annotations

import ast
import json
import re

import pytest

from grader.course import ASSIGNMENTS_DIR, EXERCISES, REFERENCE_DIR
from tests.helpers import by_id


def test_reference_scores_full_marks(grade, tmp_path):
    result = grade(REFERENCE_DIR, out_dir=tmp_path)
    assert result.max_score == 10 * len(EXERCISES)
    assert result.score == result.max_score, [(e.id, e.message) for e in result.exercises if e.status != "passed"]
    assert json.loads((tmp_path / "results.json").read_text())["score"] == result.score


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**31 - 1])
def test_reference_scores_full_marks_whatever_the_seed(grade, seed):
    result = grade(REFERENCE_DIR, seed=seed)
    assert result.score == result.max_score, [(e.id, e.message) for e in result.exercises if e.status != "passed"]


def test_stubs_score_zero_saying_not_implemented(grade):
    result = grade(ASSIGNMENTS_DIR)
    assert result.score == 0
    for exercise in result.exercises:
        assert exercise.status == "failed"
        assert exercise.message.startswith("Not implemented yet")
        assert all("not implemented" in c.message for c in exercise.checks if c.max_score > 0)


def test_there_are_ten_exercises_of_ten_points():
    assert [e.number for e in EXERCISES] == list(range(1, 11))


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_exercise_has_checks_worth_ten_points_covering_its_parts(exercise):
    tree = ast.parse(exercise.check_module_path.read_text())
    marks = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "check":
                    options = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
                    marks.append(options)
                    assert ast.get_docstring(node), f"{node.name} needs a docstring saying what it verifies"
    assert sum(m["points"] for m in marks) == 10
    assert all(m["points"] >= 0 for m in marks)  # 0 points: feedback only
    stub = (ASSIGNMENTS_DIR / f"{exercise.module}.py").read_text()
    function_parts = set()  # the parts the stub's functions answer ("Part (a)." / "Parts (b) and (d).")
    for phrase in re.findall(r"Parts? \([a-d]\)(?: and \([a-d]\))?\.", stub):
        function_parts |= set(re.findall(r"\(([a-d])\)", phrase))
    assert function_parts <= {m["part"] for m in marks}


def test_same_submission_gets_the_same_seed_and_scores(grade, make_folder):
    folder = make_folder()
    first, second = grade(folder), grade(folder)
    assert first.seed == second.seed
    assert [(e.score, e.checks) for e in first.exercises] == [(e.score, e.checks) for e in second.exercises]


def test_hard_coding_the_notebook_example_does_not_pass(grade, make_folder):
    hard_coded = (
        "import numpy as np\n"
        "def grad_f(x, y):\n    return np.array([3.0, 3.0])  # the gradient at the notebook's point (1, 1)\n"
        "def level_curve_tangent(x, y):\n    return np.array([-1.0, 1.0]) / np.sqrt(2)\n"
        "def steepest_descent_dir(x, y):\n    return np.array([-1.0, -1.0]) / np.sqrt(2)\n"
    )
    exercise = by_id(grade(make_folder({"ex02": hard_coded})))["ex02"]
    assert exercise.score == 0
    assert "same answer for every input" in exercise.checks[0].message.lower()


def test_missing_modules_score_zero_and_say_so(grade, make_folder):
    result = by_id(grade(make_folder(only=["ex02"])))
    assert result["ex02"].score == 10
    for key, exercise in result.items():
        if key != "ex02":
            assert exercise.status == "missing" and "is missing" in exercise.message


def test_misnamed_module_gets_a_hint(grade, tmp_path):
    (tmp_path / "ex02.py").write_text((REFERENCE_DIR / "ex02_gradient_geometry.py").read_text())
    (tmp_path / "ex01_partial_derivatives.py").write_text("")
    exercise = by_id(grade(tmp_path))["ex02"]
    assert exercise.status == "missing" and "ex02.py" in exercise.message


def test_assignments_folder_inside_a_repository_is_found(grade, tmp_path, make_folder):
    repository = tmp_path / "repo"
    (repository / "assignments").mkdir(parents=True)
    for file in make_folder(only=["ex02"]).iterdir():
        (repository / "assignments" / file.name).write_text(file.read_text())
    assert by_id(grade(repository))["ex02"].score == 10


def test_empty_folder_grades_zero_with_a_message(grade, tmp_path):
    result = grade(tmp_path)
    assert result.score == 0 and "neither" in result.problem
