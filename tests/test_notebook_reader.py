"""The notebook reader on its own: which cells are setup, which belong to which exercise, what is skipped."""

from __future__ import annotations

import nbformat
import pytest

from grader.submissions.notebook import NotebookError, read, strip_magics

HEADER = "# Your Solution\n# Exercise {n} - learner workspace\n"


def notebook(*cells) -> str:
    book = nbformat.v4.new_notebook()
    book.cells = list(cells)
    return nbformat.writes(book)


def code(source: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def markdown(text: str = "Some text."):
    return nbformat.v4.new_markdown_cell(text)


def codes(cells) -> list[str]:
    return [c.code for c in cells]


def test_code_before_the_first_exercise_is_setup_and_labels_count_cells_from_one():
    parsed = read(notebook(markdown("# Title"), code("import numpy as np"), code(HEADER.format(n=1) + "x = 1")))
    assert codes(parsed.setup) == ["import numpy as np"]
    assert [c.label for c in parsed.setup] == ["cell 2"]
    assert [c.label for c in parsed.exercises[1]] == ["cell 3"]


@pytest.mark.parametrize("style", ["header", "tag"])
def test_a_learner_cell_is_found_by_its_header_or_its_tag(style):
    cell = code(HEADER.format(n=7) + "y = 2") if style == "header" else code("y = 2", tags=["exercise-7"])
    parsed = read(notebook(cell))
    assert list(parsed.exercises) == [7]
    assert codes(parsed.exercises[7])[0].endswith("y = 2")


def test_plain_cells_right_after_a_learner_cell_continue_it_until_markdown():
    parsed = read(
        notebook(
            code("y = 1", tags=["exercise-2"]),
            code("z = y + 1"),
            markdown(),
            code("stray = 3"),
            code("w = 0", tags=["exercise-3"]),
        )
    )
    assert codes(parsed.exercises[2]) == ["y = 1", "z = y + 1"]
    assert codes(parsed.exercises[3]) == ["w = 0"]
    assert parsed.setup == []
    assert parsed.skipped == ["cell 4: not part of any exercise, not graded"]


def test_an_empty_stray_cell_is_not_reported():
    parsed = read(notebook(code("a = 1", tags=["exercise-1"]), markdown(), code("   \n")))
    assert parsed.skipped == []


def test_solution_cells_are_never_read_and_end_a_learner_run():
    parsed = read(
        notebook(
            code("def f(): return 'learner'", tags=["exercise-1"]),
            code("# Solution\ndef f(): return 'instructor'"),
            code("after = 1"),
        )
    )
    assert codes(parsed.exercises[1]) == ["def f(): return 'learner'"]
    assert all("instructor" not in c for cells in parsed.exercises.values() for c in codes(cells))
    assert parsed.skipped == ["cell 3: not part of any exercise, not graded"]


def test_only_a_two_line_header_makes_a_learner_cell():
    parsed = read(notebook(code("# Your Solution\nx = 1"), code("# Exercise 4 - notes\nx = 2")))
    assert parsed.exercises == {}
    assert codes(parsed.setup) == ["# Your Solution\nx = 1", "# Exercise 4 - notes\nx = 2"]


def test_oversized_cells_are_skipped_with_a_reason():
    parsed = read(notebook(code("x = 1\n" + "#" * 2_000_001, tags=["exercise-1"])))
    assert parsed.exercises == {}
    assert "over the 2,000,000 a cell may have" in parsed.skipped[0]


def test_line_magics_and_shell_escapes_become_pass_and_are_reported():
    skipped: list[str] = []
    source = "%matplotlib inline\nx = 1\n!pip install numpy\nfiles = !ls\n    %time f()\ny = x != 2\n# %comment"
    assert strip_magics(source, "cell 3", skipped) == "pass\nx = 1\npass\npass\n    pass\ny = x != 2\n# %comment"
    assert len(skipped) == 4 and all(s.startswith("cell 3: ") for s in skipped)


def test_a_cell_magic_skips_the_whole_cell():
    skipped: list[str] = []
    assert strip_magics("%%timeit\nx = 1", "cell 9", skipped) == ""
    assert skipped == ["cell 9: cell magic '%%timeit' skipped (the whole cell)"]


@pytest.mark.parametrize(
    "text",
    ["not json at all", '{"cells": 3, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "[]"],
)
def test_what_is_not_a_readable_notebook_raises_notebook_error(text):
    with pytest.raises(NotebookError):
        read(text)


@pytest.mark.parametrize(
    "source",
    [
        'text = """\n%d items\n!important\nwhat?\n"""',  # inside a triple-quoted string
        "values = (\n    1\n    %2\n)",  # a continuation line of an expression in brackets
        "ratio = 7 \\\n    %3",  # after a backslash
        "label = 'a\\\n%b'",  # a one-quote string continued by a backslash
        "x = 1\x0c\ny = '\u2028' # U+2028 inside a string, a form feed as whitespace",
        "call(f(1),\n     'why?')\nz = [1,  # a comment with ( and '\n     2]\n%w = 1",  # the last line is a magic
        'def f(x):\n    """Is x positive?\n    Yes."""\n    return x > 0',  # a line opening a string ends in "?"
        "q = b'''Why?\n'''",
    ],
)
def test_lines_that_do_not_start_a_statement_are_never_taken_for_magics(source):
    skipped: list[str] = []
    stripped = strip_magics(source, "cell 4", skipped)
    assert stripped == source.replace("\n%w = 1", "\npass") and len(skipped) == source.endswith("%w = 1")
    compile(stripped, "cell 4", "exec")  # valid Python stays valid


def test_a_magic_after_a_closed_bracket_or_string_is_still_one():
    skipped: list[str] = []
    source = 'x = (1,\n     2)\n%time f()\ns = """\n"""\n!ls\nt = "%not" \\\n  "a magic"'
    expected = 'x = (1,\n     2)\npass\ns = """\n"""\npass\nt = "%not" \\\n  "a magic"'
    assert strip_magics(source, "cell 5", skipped) == expected and len(skipped) == 2


def test_a_cell_with_carriage_returns_keeps_its_lines():
    skipped: list[str] = []
    assert strip_magics("x = 1\r\n%time f()\ry = 2", "cell 6", skipped) == "x = 1\npass\ny = 2"


@pytest.mark.parametrize(
    "source",
    ['"""\n' + "a:\n" * 40_000 + '"""', " " * 100_000 + "x", "import " + "a " * 50_000, "x" * 200_000 + ":" + "y" * 5],
)
def test_reading_a_cell_takes_time_in_proportion_to_its_length(source):
    """The reader runs in the grader's process, with no timeout: no learner text may make it quadratic."""
    import time

    from grader.submissions.notebook import defined_names

    started = time.process_time()
    strip_magics(source, "cell 1", [])
    defined_names(source)
    assert time.process_time() - started < 2.0  # linear: milliseconds; quadratic: minutes
