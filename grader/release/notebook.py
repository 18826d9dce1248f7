"""Building the student notebook (assignments/exercises.ipynb) from the stub modules.

The notebook follows the exercises notebook's layout: a title cell, a setup cell, then per
exercise a markdown statement (the stub's module docstring) and a learner cell tagged
``exercise-N`` that starts with the ``# Your Solution`` / ``# Exercise N - learner workspace``
header and holds the stub's functions to fill in. The stubs are the single source: run
``grader notebook`` after editing one, and the test suite fails while the two disagree.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from grader.course import ASSIGNMENTS_DIR, EXERCISES, Exercise

INTRO = """# Partial Derivatives and Gradients - Exercises

Ten graded exercises, from partial derivatives to gradients that train models.

How to work: write your answer in the cell under each statement (the one that starts with
`# Your Solution`), replacing each `raise NotImplementedError(...)` with your code. Keep the
function names and arguments exactly as given. Run the notebook top to bottom to try your code.

How it is graded: each function is called at random inputs (not only the examples in the
statements) and compared with the instructor's solution, within stated tolerances; analytic
gradients are also checked against finite differences. Each exercise is worth 10 points.
Only NumPy and the Python standard library are available. Each exercise is graded in its own
namespace made of the setup cell and that exercise's cells, so define what you need there.
"""

SETUP = """import math

import numpy as np

np.set_printoptions(precision=6, suppress=True)"""


def statement_markdown(exercise: Exercise, docstring: str) -> str:
    """The exercise statement as markdown: a heading, then the docstring's text."""
    first, _, body = docstring.strip().partition("\n")
    return f"## {first.strip()}\n\n{body.strip()}\n"


def learner_cell_source(exercise: Exercise, stub_source: str) -> str:
    """The workspace header followed by the stub's functions, ready to be filled in."""
    tree = ast.parse(stub_source)
    first_function = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
    functions = "\n".join(stub_source.splitlines()[first_function.lineno - 1 :]).strip()
    header = f"# Your Solution\n# Exercise {exercise.number} - learner workspace\n"
    return f"{header}\n{functions}\n"


def build(assignments_dir: Path = ASSIGNMENTS_DIR) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    cells = [
        nbformat.v4.new_markdown_cell(INTRO, id="introduction"),
        nbformat.v4.new_code_cell(SETUP, id="setup"),
    ]
    for exercise in EXERCISES:
        source = (assignments_dir / f"{exercise.module}.py").read_text()
        docstring = ast.get_docstring(ast.parse(source)) or exercise.module
        cells.append(
            nbformat.v4.new_markdown_cell(statement_markdown(exercise, docstring), id=f"{exercise.id}-statement")
        )
        learner = nbformat.v4.new_code_cell(learner_cell_source(exercise, source), id=f"{exercise.id}-workspace")
        learner.metadata["tags"] = [f"exercise-{exercise.number}"]
        cells.append(learner)
    notebook.cells = cells
    return notebook


def render(assignments_dir: Path = ASSIGNMENTS_DIR) -> str:
    return nbformat.writes(build(assignments_dir)) + "\n"


def build_notebook(target: Path) -> None:
    target.write_text(render(), encoding="utf-8")


def notebook_is_current(target: Path) -> bool:
    return target.is_file() and target.read_text(encoding="utf-8") == render()
