"""What a newcomer reads: whole diagnoses in logs, wrapped between words on a terminal, one
status vocabulary, and a problem that stops every check of an exercise said once, with its cause."""

from __future__ import annotations

import io
import shutil

import pytest
from rich.console import Console

from grader.course import ASSIGNMENTS_DIR, REFERENCE_DIR
from grader.model import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, Failure, Reason
from grader.reporting.report import render_report
from grader.reporting.summary import print_summary
from grader.reporting.terminal import print_feedback
from grader.reporting.wording import STATUS_LABELS
from tests.helpers import by_id, result_of

LONG = (
    "Only component [1] is wrong (expected 2.68708, got 2.01797); component [0] is right. The same at every "
    "input: the x of the x y term is missing from df/dy, which the last words of this sentence say."
)


def one_failure(diagnosis: str = LONG, status: str = "partial") -> ExerciseResult:
    check = CheckResult(
        "grad_f_matches_reference",
        "a",
        0.0,
        3.0,
        CheckStatus.FAILED,
        f"grad_f(x=1, y=2): {diagnosis}",
        Failure(call="grad_f(x=1, y=2)", diagnosis=diagnosis),
        reason=Reason.WRONG,
    )
    passed = CheckResult("other", "b", 7.0, 7.0, CheckStatus.PASSED)
    return ExerciseResult(
        "ex02", "Gradient geometry", 7.0, 10.0, ExerciseStatus(status), "1 of 2 checks passed.", [check, passed]
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_diagnosis_is_printed_whole_in_a_log():
    log = io.StringIO()
    print_summary(result_of([one_failure()]), None, file=log)
    assert LONG in log.getvalue()


def test_a_diagnosis_wraps_between_words_and_stays_indented_on_a_terminal(monkeypatch):
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *args: shutil.os.terminal_size((60, 20)))
    screen = Terminal()
    print_summary(result_of([one_failure()]), None, file=screen)
    lines = screen.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "grad_f_matches_reference" in line)
    block = lines[start : start + 5]
    assert all(len(line) <= 60 for line in block)
    assert all(line.startswith("          ") for line in block[1:4])  # continuation lines keep the indent
    assert " ".join(line.strip() for line in block).find(LONG) != -1  # no word cut


def test_terminal_and_html_name_a_status_alike():
    exercise = one_failure()
    console = Console(file=io.StringIO(), width=200, soft_wrap=True, color_system=None)
    print_feedback(result_of([exercise]), console=console)
    assert f"7/10 {STATUS_LABELS['partial']}" in console.file.getvalue()
    log = io.StringIO()
    print_summary(result_of([exercise]), None, file=log)
    assert STATUS_LABELS["partial"] in log.getvalue() and "partial\n" not in log.getvalue()
    assert STATUS_LABELS["partial"] in render_report(result_of([exercise]))


def test_a_problem_that_stops_every_check_is_said_once_with_its_cause(make_folder, grade):
    """An empty module, a SyntaxError, an import the machine lacks, the unchanged starter."""
    starter = (ASSIGNMENTS_DIR / "ex03_directional_derivatives.py").read_text()
    folder = make_folder(
        {
            "ex01": "",
            "ex02": "import numpy as np\n\ndef grad_f(x, y)\n    return np.zeros(2)\n",
            "ex03": starter,
            "ex04": "import numpy as np\nimport a_library_nobody_has\n",
        },
        only=["ex01", "ex02", "ex03", "ex04"],
    )
    result = grade(folder)
    exercises = by_id(result)
    assert "Not defined: " in exercises["ex01"].message and "is the code empty" in exercises["ex01"].message.lower()
    assert "SyntaxError" in exercises["ex02"].message and "stopped before defining them" in exercises["ex02"].message
    assert "Not implemented yet: " in exercises["ex03"].message
    assert "a_library_nobody_has" in exercises["ex04"].message and "before defining" in exercises["ex04"].message
    for exercise_id in ("ex01", "ex02", "ex03", "ex04"):
        assert exercises[exercise_id].problem_said_once, exercise_id
    log = io.StringIO()
    print_summary(result, None, file=log)
    printed = log.getvalue()
    assert printed.count("SyntaxError") == 1 and printed.count("not defined") == 0
    assert printed.count("Not implemented yet") == 1 and "NotImplementedError" not in printed
    console = Console(file=io.StringIO(), width=200, soft_wrap=True, color_system=None)
    print_feedback(result, console=console)
    assert console.file.getvalue().count("SyntaxError") == 1


@pytest.mark.parametrize("exercise", ["ex02"])
def test_a_function_missing_among_others_is_still_named_on_its_check(make_folder, grade, exercise):
    source = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text().replace("def steepest_descent_dir", "def sdd")
    result = by_id(grade(make_folder({exercise: source}, only=[exercise])))[exercise]
    failed = [c for c in result.checks if c.status != "passed"]
    assert failed and all("steepest_descent_dir is not defined" in c.message for c in failed)
    assert "Not defined: steepest_descent_dir" in result.message


def test_a_traceback_shows_the_learners_lines_not_numpys_internals(make_folder, grade):
    singular = (REFERENCE_DIR / "ex04_matrix_calculus.py").read_text() + (
        "\n\ndef grad_linear(a, x):\n    return np.linalg.solve(np.zeros((len(a), len(a))), a)\n"
    )
    check = next(c for c in by_id(grade(make_folder({"ex04": singular})))["ex04"].checks if c.function == "grad_linear")
    assert "LinAlgError" in check.message and "ex04_matrix_calculus.py" in check.message, check.message
    assert "linalg.py" not in check.message and "__array_function__" not in check.message, check.message
