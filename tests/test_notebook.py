"""Notebook submissions: both learner-cell styles, solution cells, magics, errors, broken files."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import pytest

from grader.course import ASSIGNMENTS_DIR, EXERCISES, REFERENCE_DIR
from grader.release.notebook import notebook_is_current
from grader.submissions import notebook
from tests.helpers import by_id

EX2 = next(e for e in EXERCISES if e.id == "ex02")
EX2_SOLUTION = (REFERENCE_DIR / f"{EX2.module}.py").read_text()
HEADER = "# Your Solution\n# Exercise {n} - learner workspace\n"


def code(source: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def learner(number: int, body: str, style: str = "header"):
    if style == "tag":
        return code(body, tags=[f"exercise-{number}"])
    return code(HEADER.format(n=number) + body)


def write_notebook(tmp_path, cells, name="submission.ipynb"):
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("# Exercises"), code("import numpy as np"), *cells]
    path = tmp_path / name
    path.write_text(nbformat.writes(book))
    return path


def solved_notebook(tmp_path, style="header", skip=()):
    cells = []
    for exercise in EXERCISES:
        if exercise.id in skip:
            continue
        cells.append(nbformat.v4.new_markdown_cell(f"## Exercise {exercise.number}"))
        cells.append(learner(exercise.number, (REFERENCE_DIR / f"{exercise.module}.py").read_text(), style))
        cells.append(
            code(f"# Solution\n# Exercise {exercise.number} - reference solution\nraise SystemExit('never run')")
        )
    return write_notebook(tmp_path, cells)


@pytest.mark.parametrize("style", ["header", "tag"])
def test_solved_notebook_scores_full_marks_in_both_cell_styles(tmp_path, grade, style):
    result = grade(solved_notebook(tmp_path, style))
    assert result.score == result.max_score == 10 * len(EXERCISES)


def test_student_notebook_from_the_stubs_scores_zero(grade):
    result = grade(ASSIGNMENTS_DIR / "exercises.ipynb")
    assert result.score == 0
    assert all(e.status == "failed" and "not implemented" in e.message.lower() for e in result.exercises)


def test_student_notebook_is_up_to_date_with_the_stubs():
    assert notebook_is_current(ASSIGNMENTS_DIR / "exercises.ipynb"), "run `grader notebook` after editing a stub"


def test_solution_cells_never_run_and_never_leak(tmp_path, grade):
    cells = [
        learner(2, "x = 1  # the learner has not started"),
        code("# Solution\n" + EX2_SOLUTION),  # a correct answer in a solution cell must not count
        code("# Solution\nimport os\nos._exit(1)"),
    ]
    result = by_id(grade(write_notebook(tmp_path, cells)))["ex02"]
    assert result.score == 0
    assert all("not defined" in c.message for c in result.checks)


def test_magics_and_shell_escapes_are_skipped_and_reported(tmp_path, grade):
    body = "%matplotlib inline\n!pip install numpy\nfiles = !ls\nnp.sum?\n" + EX2_SOLUTION
    cells = [learner(2, body), code("%%bash\nrm -rf /\n")]
    result = grade(write_notebook(tmp_path, cells))
    assert by_id(result)["ex02"].score == 10
    notes = " ".join(result.notes)
    for skipped in ("%matplotlib inline", "!pip install numpy", "files = !ls", "np.sum?"):
        assert skipped in notes


def test_cell_magic_after_a_learner_cell_is_skipped(tmp_path):
    parsed = notebook.read(
        nbformat.writes(nbformat.v4.new_notebook(cells=[learner(2, "a = 1"), code("%%bash\nls -l")]))
    )
    assert [c.code for c in parsed.exercises[2]][1] == ""
    assert any("%%bash" in s for s in parsed.skipped)


def test_a_raising_statement_is_reported_and_the_rest_of_its_cell_still_runs(tmp_path, grade):
    first, _, rest = EX2_SOLUTION.partition("def level_curve_tangent")
    broken = first + "raise ValueError('oops in my scratch work')\ndef level_curve_tangent" + rest
    result = by_id(grade(write_notebook(tmp_path, [learner(2, broken)])))["ex02"]
    line = (HEADER.format(n=2) + broken).splitlines().index("raise ValueError('oops in my scratch work')") + 1
    assert "oops in my scratch work" in result.message and f"cell 3, line {line}" in result.message
    assert result.score == 10  # as in a notebook kernel's report of each statement: what follows still runs


def test_plain_cells_right_after_a_learner_cell_continue_it(tmp_path, grade):
    first, _, rest = EX2_SOLUTION.partition("def level_curve_tangent")
    cells = [learner(2, first, style="tag"), code("def level_curve_tangent" + rest)]
    assert by_id(grade(write_notebook(tmp_path, cells)))["ex02"].score == 10


def test_each_exercise_has_its_own_namespace(tmp_path, grade):
    other = next(e for e in EXERCISES if e.id != "ex02")
    cells = [
        learner(other.number, (REFERENCE_DIR / f"{other.module}.py").read_text()),
        learner(2, "from math import nan  # relies on another exercise's names below\nimport numpy as np\n"),
    ]
    result = by_id(grade(write_notebook(tmp_path, cells)))
    assert result[other.id].score == 10
    assert result["ex02"].score == 0


def test_setup_helpers_are_visible_to_every_exercise(tmp_path, grade):
    book = nbformat.v4.new_notebook()
    book.cells = [code("import numpy as np\nTWO = 2.0"), learner(2, EX2_SOLUTION.replace("2.0 *", "TWO *"))]
    path = tmp_path / "setup.ipynb"
    path.write_text(nbformat.writes(book))
    assert by_id(grade(path))["ex02"].score == 10


@pytest.mark.parametrize(
    "content",
    [
        b'{"cells": [{"cell_type": "code", "source": "def grad_f(x, y',  # truncated
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "nope"}',
        b"[]",
    ],
    ids=["truncated", "not-json", "not-utf8", "cells-not-a-list", "json-array"],
)
def test_broken_notebooks_grade_zero_with_a_clear_message(tmp_path, grade, content):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content)
    out = tmp_path / "out"
    result = grade(path, out_dir=out)
    assert result.score == 0 and result.max_score == 10 * len(EXERCISES)
    assert result.problem and "Traceback" not in result.problem
    assert all(e.status == "missing" for e in result.exercises)
    assert (out / "results.json").is_file() and (out / "report.html").is_file()


def test_folder_holding_one_notebook_is_graded_as_that_notebook(tmp_path, grade):
    folder = tmp_path / "student"
    folder.mkdir()
    solved_notebook(folder)
    assert grade(folder).score == 10 * len(EXERCISES)


def test_missing_exercise_cells_are_reported_per_exercise(tmp_path, grade):
    result = by_id(grade(solved_notebook(tmp_path, skip={"ex02"})))
    assert result["ex02"].status == "missing" and "exercise-2" in result["ex02"].message
    assert all(e.score == 10 for key, e in result.items() if key != "ex02")


def test_folder_with_modules_and_notebook_is_graded_from_where_the_work_is(tmp_path, grade):
    """A starter repository: ex02 answered in the notebook, ex05 in its module, the rest untouched."""
    folder = shutil.copytree(ASSIGNMENTS_DIR, tmp_path / "starter")
    shutil.copyfile(REFERENCE_DIR / "ex05_mse_linear_regression.py", folder / "ex05_mse_linear_regression.py")
    notebook = nbformat.read(folder / "exercises.ipynb", as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "exercise-2" in tags:
            cell.source = EX2_SOLUTION
        if "exercise-5" in tags:
            cell.source = "def mse_loss(X, y, w):\n    return 0.0\n"  # the module is the work: this is ignored
    nbformat.write(notebook, folder / "exercises.ipynb")
    result = by_id(grade(folder))
    assert result["ex02"].score == 10 and result["ex05"].score == 10
    assert sum(e.score for e in result.values()) == 20
    notes = grade(folder).notes
    assert [n for n in notes if n.startswith("ex02: graded from exercises.ipynb")]
    assert not [n for n in notes if n.startswith("ex05")]


def test_starter_modules_checked_out_with_windows_line_endings_are_still_the_unchanged_starter(tmp_path, grade):
    """Git for Windows checks files out with CRLF: the stubs are untouched, the work is in the notebook."""
    folder = shutil.copytree(ASSIGNMENTS_DIR, tmp_path / "starter")
    for module in folder.glob("*.py"):
        module.write_bytes(module.read_bytes().replace(b"\n", b"\r\n"))
    notebook = nbformat.read(folder / "exercises.ipynb", as_version=4)
    next(c for c in notebook.cells if "exercise-2" in c.metadata.get("tags", [])).source = EX2_SOLUTION
    nbformat.write(notebook, folder / "exercises.ipynb")
    result = grade(folder)
    assert by_id(result)["ex02"].score == 10
    assert [n for n in result.notes if n.startswith("ex02: graded from exercises.ipynb")]


def test_the_notebook_as_handed_out_is_not_parsed(tmp_path):
    """A starter repository worked in its modules: its untouched notebook costs no notebook reader."""
    folder = shutil.copytree(ASSIGNMENTS_DIR, tmp_path / "starter")
    shutil.copyfile(REFERENCE_DIR / "ex03_directional_derivatives.py", folder / "ex03_directional_derivatives.py")
    probe = (
        "import sys\nfrom grader.submissions.loading import load\nload(sys.argv[1])\nprint('nbformat' in sys.modules)"
    )

    def reads_the_notebook() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True).stdout

    assert reads_the_notebook() == "False\n"
    (folder / "exercises.ipynb").write_bytes((folder / "exercises.ipynb").read_bytes() + b"\n")  # saved again
    assert reads_the_notebook() == "True\n"


def test_a_stray_notebook_beside_the_course_notebook_loses_no_work(tmp_path, grade):
    folder = shutil.copytree(ASSIGNMENTS_DIR, tmp_path / "starter")
    notebook = nbformat.read(folder / "exercises.ipynb", as_version=4)
    next(c for c in notebook.cells if "exercise-2" in c.metadata.get("tags", [])).source = EX2_SOLUTION
    nbformat.write(notebook, folder / "exercises.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), folder / "Untitled.ipynb")  # what Jupyter leaves behind
    result = grade(folder)
    assert by_id(result)["ex02"].score == 10
    assert any("Untitled.ipynb" in note for note in result.notes)


def test_a_learner_cell_whose_first_comment_only_starts_with_solution_is_graded(tmp_path, grade):
    cells = [code("# Solution attempt, written by me\n" + EX2_SOLUTION, tags=["exercise-2"])]
    assert by_id(grade(write_notebook(tmp_path, cells), timeout=5.0))["ex02"].score == 10


@pytest.mark.parametrize("header", ["# Solution (reference)", "# Solution - Exercise 2", "# SOLUTION: do not edit"])
def test_a_reference_cell_headed_solution_and_more_never_continues_the_learners_work(header, tmp_path, grade):
    wrong = "def grad_f(x, y):\n    return np.zeros(2)\n"
    cells = [learner(2, wrong), code(f"{header}\n" + EX2_SOLUTION)]
    assert by_id(grade(write_notebook(tmp_path, cells), timeout=5.0))["ex02"].score < 10


def test_a_tagged_cell_headed_solution_is_a_reference_cell_and_says_so(tmp_path, grade):
    """The contract: cells headed `# Solution` are never graded, even tagged; the message says why."""
    cells = [
        code("# Solution\n" + EX2_SOLUTION, tags=["exercise-2"]),
        learner(3, "x = 1", style="tag"),
        code("# Solution\nraise SystemExit('never run')", tags=["exercise-3"]),
    ]
    result = grade(write_notebook(tmp_path, cells), timeout=5.0)
    ex02, ex03 = by_id(result)["ex02"], by_id(result)["ex03"]
    assert ex02.score == 0 and ex02.status == "missing"
    assert "# Solution" in ex02.message and "never graded" in ex02.message and "tag it" not in ex02.message
    assert "# Your Solution" in ex02.message and "cell 3" in ex02.message
    assert ex03.status != "missing" and any("cell 5" in note and "# Solution" in note for note in result.notes)


def test_a_notebook_starting_with_a_byte_order_mark_is_read(tmp_path, grade):
    path = solved_notebook(tmp_path, "tag")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    result = grade(path)
    assert not result.problem
    assert result.score == result.max_score == 10 * len(EXERCISES)


@pytest.mark.parametrize("where", ["an earlier cell", "the same cell"])
def test_a_future_import_holds_for_the_rest_of_the_notebook(tmp_path, grade, where):
    """As in a kernel: `from __future__ import annotations` leaves later annotations unevaluated."""
    annotated = EX2_SOLUTION.replace("def grad_f(x, y):", "def grad_f(x: Scalar, y: Scalar) -> Vector:")
    assert annotated != EX2_SOLUTION  # Scalar and Vector are defined nowhere
    future = "from __future__ import annotations\n"
    if where == "an earlier cell":
        cells = [code(future), learner(2, annotated)]
    else:
        cells = [learner(2, future + annotated)]
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    assert result.score == 10, result.message
    assert "NameError" not in result.message


def test_a_name_defined_in_another_exercises_cell_is_pointed_to(tmp_path, grade):
    """Each exercise runs on its own; a NameError on a name another cell defines says where it is."""
    helper = "def twice(v):\n    return 2 * v\n"
    uses_helper = EX2_SOLUTION.replace("def grad_f(x, y):", "def grad_f(x, y):\n    return twice(np.zeros(2))\n")
    cells = [learner(1, helper), nbformat.v4.new_markdown_cell("## Exercise 2"), learner(2, uses_helper)]
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    failed = next(c for c in result.checks if c.status != "passed")
    assert "NameError: name 'twice' is not defined. twice is defined in cell 3 (exercise 1)" in failed.message
    assert "each exercise runs on its own" in failed.message


def test_a_name_defined_in_a_cell_of_no_exercise_is_pointed_to(tmp_path, grade):
    uses_constant = EX2_SOLUTION + "\nSCALE = TWO * 1.0\n"
    cells = [learner(1, "x = 1"), nbformat.v4.new_markdown_cell("Scratch work"), code("TWO = 2.0")]
    cells.append(learner(2, uses_constant))
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    assert "TWO is defined in cell 5 (no exercise)" in result.message


def test_a_function_defined_in_a_cell_of_no_exercise_or_another_exercise_is_pointed_to(tmp_path, grade):
    """The function itself, not a name it uses: the exercise is told where it is and how to make it its own."""
    *first, last = EX2_SOLUTION.rstrip().split("\n\n\n")  # its last function in a cell after a markdown cell
    cells = [learner(2, "\n\n\n".join(first)), nbformat.v4.new_markdown_cell("A note"), code(last)]
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    name = last.split("(")[0].removeprefix("def ")
    assert f"The notebook defines {name} in cell 5 (no exercise)" in result.message  # after a title and a setup cell
    assert "tag cell 5 exercise-2" in result.message and "check its name" not in result.message
    pasted = [learner(1, EX2_SOLUTION), learner(2, "import numpy as np")]
    result = by_id(grade(write_notebook(tmp_path, pasted), only=["ex02"]))["ex02"]
    assert "Not defined in this exercise's cells: grad_f" in result.message
    assert "in cell 3 (exercise 1)" in result.message and "tag" not in result.message


def test_an_error_in_a_cell_does_not_claim_the_later_statements_never_ran(tmp_path, grade):
    """Cells run statement by statement: an error stops its own statement, not the definitions after it."""
    cells = [learner(2, "import numpy as np\nundefined_helper()\n")]
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    assert "NameError" in result.message and "if that statement defines them, fix it first" in result.message
    assert "stopped" not in result.message


@pytest.mark.parametrize("magic", ["%%time", "%%capture"])
def test_a_cell_timed_or_captured_still_runs_its_code(tmp_path, grade, magic):
    cells = [code(f"{magic}\n{EX2_SOLUTION}", tags=["exercise-2"])]
    result = grade(write_notebook(tmp_path, cells), only=["ex02"])
    assert by_id(result)["ex02"].score == 10
    assert any(magic in note and "the cell's code runs" in note for note in result.notes)


def test_an_exercise_whose_cell_a_cell_magic_skipped_says_so(tmp_path, grade):
    cells = [learner(2, "# my answer below"), code("%%writefile ex02.py\n" + EX2_SOLUTION)]
    exercise = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    assert exercise.score == 0
    assert "Not run: cell 4: cell magic '%%writefile ex02.py' skipped (the whole cell)" in exercise.message
    assert "put the code in a plain cell" in exercise.message


def test_a_cell_importing_another_exercises_module_is_told_the_notebooks_rule(tmp_path, grade):
    cells = [learner(2, "from ex01_partial_derivatives import *\n" + EX2_SOLUTION)]
    result = by_id(grade(write_notebook(tmp_path, cells), only=["ex02"]))["ex02"]
    assert result.score == 10, result.message
    assert "another exercise's module, which a notebook does not have" in result.message
    assert "a folder's exercise may import" not in result.message
