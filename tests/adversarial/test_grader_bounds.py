"""The grader's own work on what a learner hands in is bounded: memory, CPU, output size.

Learner code runs in the worker, under its limits; but the grader then reads the submission,
compares and formats the answers and writes the report in its own process. A notebook over
20 MB is refused unread; a learner value is formatted within a bounded length whatever its size
(characters of a string, elements, depth), and the grader's CPU time spent on one check stays
bounded whatever the value's size.
"""

from __future__ import annotations

import json
import time

import nbformat
import numpy as np
import pytest

from grader.checking.checks import CheckFailed, compare_calls
from grader.checking.diagnose import MAX_FORMATTED_CHARS, describe_type, format_value
from grader.checking.session import ERROR_FIELD_CHARS, bounded_error
from grader.isolation.wire import Unsupported
from tests.adversarial.conftest import (
    GRADER_MEMORY_BUDGET,
    SOLUTION,
    WITHOUT_GRAD_F,
    peak_memory_bytes,
    reset_peak_memory,
)

GRAD_F = SOLUTION + "\n\ndef grad_f(x, y):\n    {body}\n"


def big_notebook(path, megabytes: int) -> None:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_markdown_cell("x" * (megabytes << 20)), nbformat.v4.new_code_cell("import numpy")]
    path.write_text(nbformat.writes(book))


@pytest.mark.parametrize("inside_a_folder", [False, True], ids=["file", "folder"])
def test_a_notebook_over_the_size_cap_is_refused_unread(grade, tmp_path, inside_a_folder):
    folder = tmp_path / "student"
    folder.mkdir()
    path = folder / "exercises.ipynb"
    big_notebook(path, 49)
    grade(path, timeout=2.0)  # warm-up: the first grading in a process imports the grader's machinery
    measured = reset_peak_memory()
    before = peak_memory_bytes()
    result = grade(folder if inside_a_folder else path, timeout=2.0)
    growth = peak_memory_bytes() - before
    assert result.score == 0 and all(e.status == "missing" for e in result.exercises)
    assert "20 MB" in result.problem and "49" in result.problem, result.problem
    if measured:
        assert growth < 200 << 20, f"refusing a 49 MB notebook cost {growth >> 20} MiB"


# ------------------------------------------------------------------ huge learner values

HUGE = {
    # name: (grad_f's body, a phrase of the first check's message). Each answer is as large as a
    # check's six answers may be together in one reply (the wire caps a reply at 4 MiB of JSON).
    "long_string": ("return 'x' * 600_000", "returned a str"),
    "long_tuple_of_zeros": ("return (0,) * 200_000", "wrong shape"),
    "long_list_of_floats": ("return [0.5] * 100_000", "wrong shape"),
    "nested_lists_of_strings": ("return [['y' * 1000] * 20] * 20", "returned a list"),
}


@pytest.mark.parametrize("case", HUGE, ids=list(HUGE))
def test_a_huge_answer_costs_the_grader_little(isolation, hostile, case):
    body, phrase = HUGE[case]
    started = time.process_time()
    graded = hostile(GRAD_F.format(body=body), score=WITHOUT_GRAD_F, status="partial", timeout=10.0)
    spent = time.process_time() - started
    first = graded.target.checks[0]
    assert phrase in first.message, first.message[:300]
    for check in graded.target.checks:
        assert len(check.message) < 3 * MAX_FORMATTED_CHARS + 2000, len(check.message)
        if check.failure is not None:
            assert len(check.failure.got) <= MAX_FORMATTED_CHARS and len(check.failure.expected) <= MAX_FORMATTED_CHARS
    assert len(graded.report) < 2 << 20, f"report.html is {len(graded.report) >> 20} MiB"
    assert len((graded.out / "results.json").read_text()) < 1 << 20
    assert graded.peak_growth < GRADER_MEMORY_BUDGET
    assert spent < 20, f"the grader spent {spent:.1f} s of CPU on one student"


@pytest.mark.parametrize("answer", ["10**400", "[10**400, 1.0]", "[[-(10**400)]]"])
def test_an_integer_beyond_any_float_is_an_answer_that_is_not_numbers(hostile, answer):
    # NumPy cannot make a float of it (OverflowError): the check fails, graded, and says why.
    graded = hostile(GRAD_F.format(body=f"return {answer}"), score=WITHOUT_GRAD_F, status="partial")
    first = graded.target.checks[0]
    assert first.status == "failed" and "an integer too large for any float" in first.message


VALUES = {
    "string": "x" * 4_000_000,
    "tuple": (0,) * 1_350_000,
    "list": [0.5] * 1_350_000,
    "nested": [[[["z" * 10_000] * 50] * 50] * 50],
    "deep": json.loads("[" * 30 + "1" + "]" * 30),
    "dict": {str(i): "w" * 1000 for i in range(10_000)},
    "unsupported": Unsupported("Big", "u" * 4_000_000),
    "bytes": b"b" * 4_000_000,
    "mixed_tuple": tuple(["s" * 100_000, 1.5, None] * 1000),
}


@pytest.mark.parametrize("name", VALUES, ids=list(VALUES))
def test_formatting_any_value_is_bounded_in_length_and_time(name):
    value = VALUES[name]
    started = time.process_time()
    text = format_value(value)
    assert time.process_time() - started < 0.5
    assert len(text) <= MAX_FORMATTED_CHARS, len(text)
    assert text  # something is shown: the reader learns what kind of value it was


class SameHugeAnswer:
    """A learner function (as checks see one) answering every case with the same huge tuple."""

    def __init__(self, answer):
        self.answer = answer

    def call_many(self, cases):
        return [self.answer for _ in cases]

    def describe(self, args):
        return f"f{args}"


@pytest.mark.parametrize("answer", [(0,) * 1_350_000, [[0.0] * 1000] * 1000], ids=["flat", "nested"])
def test_a_check_on_huge_answers_costs_bounded_cpu(answer):
    """Six answers of over a million entries each (more than one reply may carry): well under a second."""
    started = time.process_time()
    with pytest.raises(CheckFailed) as failure:
        compare_calls(SameHugeAnswer(answer), lambda x, y: np.array([x, y]), np.random.default_rng(0).random((6, 2)))
    spent = time.process_time() - started
    assert "wrong shape" in failure.value.message and len(failure.value.message) < 3 * MAX_FORMATTED_CHARS + 500
    assert spent < 2.0, f"one check spent {spent:.1f} s of the grader's CPU"


def test_an_exception_report_is_cut_to_size():
    """A forged reply may describe an exception in megabytes; the grader keeps a bounded part."""
    error = bounded_error({"type": "E" * 10**6, "message": "m" * 10**6, "traceback": "t" * 10**6, "extra": "x"})
    assert sum(len(v) for v in error.values()) <= sum(ERROR_FIELD_CHARS.values())
    assert "extra" not in error and bounded_error("not a dict") == {}


def test_a_forged_stand_in_is_described_within_bounds():
    """A forged reply may name an unsupported type in megabytes; the message stays short."""
    text = describe_type(Unsupported("T" * 10**6, "x" * 10**6))
    assert len(text) < 2 * MAX_FORMATTED_CHARS + 100 and text.startswith("a TTT")
