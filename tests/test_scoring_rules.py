"""Points only for right answers: the scoring rules that hold whatever the mistake."""

from __future__ import annotations

import ast

import pytest

from grader.course import EXERCISES, REFERENCE_DIR


def constant_module(exercise, constant: str) -> str:
    """The reference with every function's body replaced by ``return <constant>``: a module that ignores its input."""
    tree = ast.parse((REFERENCE_DIR / f"{exercise.module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            node.body = [ast.Return(ast.parse(constant, mode="eval").body)]
    return ast.unparse(tree)


@pytest.mark.parametrize("constant", ["0.0", "np.ones(3)"])
def test_a_module_of_constants_earns_nothing(make_folder, grade, constant):
    folder = make_folder({e.id: constant_module(e, constant) for e in EXERCISES})
    result = grade(folder)
    earned = [(e.id, c.name) for e in result.exercises for c in e.checks if c.score > 0]
    assert result.score == 0, earned
