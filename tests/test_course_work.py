"""The course's own work is the acid test: it scores full marks in a plain install.

``course_work/solution`` holds the exercises notebook's Solution code, adapted only to the
contract's names and signatures (its clipped cross-entropies kept as the course wrote them).
``course_work/setup_cells`` holds the notebook's two setup cells exactly: they import matplotlib
and scipy unguarded, which a plain ``pip install -e .`` does not provide.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.reporting.report import render_report
from grader.reporting.summary import print_summary
from tests.helpers import by_id

COURSE_WORK = Path(__file__).parent / "course_work"
SETUP_CELLS = [(COURSE_WORK / "setup_cells" / name).read_text() for name in ("cell_2.py", "cell_3.py")]
IMPORT_LINE = re.compile(r"^(import|from) \S+.*$", re.MULTILINE)


def course_notebook(tmp_path: Path, answers: dict[int, str]) -> Path:
    """The course's layout: a title, the two setup cells, then one learner cell per exercise."""
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# Partial Derivatives and Gradients - Exercises")]
    book.cells += [nbformat.v4.new_code_cell(source) for source in SETUP_CELLS]
    for number, answer in answers.items():
        book.cells.append(nbformat.v4.new_markdown_cell(f"## Exercise {number}"))
        header = f"# Your Solution\n# Exercise {number} - learner workspace\n"
        book.cells.append(nbformat.v4.new_code_cell(header + answer))
    path = tmp_path / "exercises.ipynb"
    path.write_text(nbformat.writes(book))
    return path


def answer_relying_on_setup(exercise) -> str:
    """The reference's code without its imports: np and math come from the setup cells, as in the course."""
    code = IMPORT_LINE.sub("", (REFERENCE_DIR / f"{exercise.module}.py").read_text())
    uses_setup = 'check_true("la is numpy.linalg", la.norm([3.0, 4.0]) == 5.0)'
    return f'header("Exercise {exercise.number}")\n{code}\n{uses_setup}\n'


@pytest.mark.parametrize("public", [False, True], ids=["hidden", "public"])
def test_course_solution_code_scores_full_marks(grade, public):
    result = grade(COURSE_WORK / "solution", public=public)
    lost = [(e.id, c.name, c.message) for e in result.exercises for c in e.checks if c.score < c.max_score]
    assert result.score == result.max_score, lost
    assert result.max_score == 100 or public


def test_notebook_with_the_course_setup_cells_scores_full_marks(tmp_path, grade):
    path = course_notebook(tmp_path, {e.number: answer_relying_on_setup(e) for e in EXERCISES})
    result = grade(path)
    assert result.score == result.max_score == 100, [(e.id, e.message) for e in result.exercises]
    assert all(e.status == "passed" and "scipy" not in e.message for e in result.exercises)
    # The setup cells' failed statements (scipy's imports and the line using them), once each.
    assert len(result.setup_errors) == 3, result.setup_errors
    assert all(error.startswith("cell 3, line ") for error in result.setup_errors)
    assert all("scipy" in e and "only NumPy and the Python standard library" in e for e in result.setup_errors)


def test_setup_errors_head_the_summary_and_the_report(tmp_path, grade, capsys):
    path = course_notebook(tmp_path, {2: answer_relying_on_setup(EXERCISES[1])})
    result = grade(path)
    print_summary(result, None)
    summary = capsys.readouterr().out.splitlines()
    first_exercise = next(i for i, line in enumerate(summary) if line.strip().startswith("ex01"))
    assert sum("No module named 'scipy'" in line for line in summary[:first_exercise]) == 2
    assert not [line for line in summary[first_exercise:] if "scipy" in line]
    html = render_report(result)
    assert html.index("No module named") < html.index("<h2>Scores</h2>")


def test_an_answer_needing_scipy_is_told_the_contracts_rule(tmp_path, grade):
    answer = "def softmax_ce_loss(z, y):\n    return -(y * (z - special.logsumexp(z))).sum()\n"
    result = by_id(grade(course_notebook(tmp_path, {9: answer})))["ex09"]
    failed = [c for c in result.checks if c.name.startswith("softmax_ce_loss")]
    assert failed and all(c.score == 0 for c in failed)
    for check in failed:
        assert "scipy" in check.message and "only NumPy and the Python standard library" in check.message


def test_a_failing_statement_does_not_stop_the_rest_of_its_cell(tmp_path, grade):
    code = (REFERENCE_DIR / f"{EXERCISES[3].module}.py").read_text()
    answer = "import sympy_that_is_not_here\nx = undefined_name + 1\n" + code
    result = by_id(grade(course_notebook(tmp_path, {4: answer})))["ex04"]
    assert result.score == result.max_score
    assert "sympy_that_is_not_here" in result.message and "undefined_name" in result.message


def test_plotting_never_costs_points(tmp_path, grade):
    plotting = (
        "import matplotlib.pyplot as plt\nimport seaborn as sns\nfrom IPython.display import display, Markdown\n"
        "fig, axes = plt.subplots(1, 2, figsize=(8, 3))\nfor ax in axes:\n    ax.plot([1, 2], [3, 4], 'o-')\n"
        "axes[0].set_title('loss')\nplt.tight_layout()\nplt.savefig('/tmp/figure.png')\nplt.show()\n"
        "sns.heatmap([[1, 2], [3, 4]])\ndisplay(Markdown('**done**'))\n"
    )
    code = (REFERENCE_DIR / f"{EXERCISES[4].module}.py").read_text()
    result = by_id(grade(course_notebook(tmp_path, {5: code + "\n" + plotting})))["ex05"]
    assert result.score == result.max_score and result.status == "passed", result.message
