"""`grader check`: a student's quick look at one exercise or all, in the terminal."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from grader.cli import find_exercise, main
from grader.course import ASSIGNMENTS_DIR, EXERCISES, REFERENCE_DIR

TYPICAL = "examples/typical_mistakes"


def test_one_exercise_only_with_every_diagnosis(capsys):
    assert main(["check", "ex03", TYPICAL]) == 1  # not full marks: a CI step gated on it fails
    printed = capsys.readouterr().out
    assert "ex03 Directional derivatives" in printed and "ex04" not in printed
    assert "Degrees instead of radians" in printed
    assert "✗" in printed and "✓" in printed
    assert "\x1b[" not in printed  # no colour codes when the output is not a terminal


def test_full_marks_exit_zero_and_html_on_request(tmp_path, capsys):
    report = tmp_path / "reports" / "ex02.html"
    assert main(["check", "2", str(REFERENCE_DIR), "--html", str(report)]) == 0
    assert "10 / 10" in capsys.readouterr().out
    html = report.read_text()
    assert "Gradient geometry" in html and "Directional derivatives" not in html


def test_path_alone_checks_every_exercise(tmp_path, capsys):
    folder = shutil.copytree(ASSIGNMENTS_DIR, tmp_path / "work")
    shutil.copyfile(REFERENCE_DIR / "ex01_partial_derivatives.py", folder / "ex01_partial_derivatives.py")
    assert main(["check", str(folder)]) == 1
    printed = capsys.readouterr().out
    for exercise in EXERCISES:
        assert f"\n{exercise.id} " in printed
    assert "10 / 100" in printed


def test_public_checks_say_so(capsys):
    assert main(["check", "ex05", TYPICAL, "--public"]) == 1
    assert "Public checks, not the grade" in capsys.readouterr().out


def test_current_directory_by_default(tmp_path):
    shutil.copyfile(REFERENCE_DIR / "ex09_softmax_ce_gradient.py", tmp_path / "ex09_softmax_ce_gradient.py")
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", "ex09"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 / 10" in done.stdout


@pytest.mark.parametrize("name", ["ex03", "3", "03", "ex03_directional_derivatives", "ex03_directional_derivatives.py"])
def test_exercise_names(name):
    assert find_exercise(name) == "ex03"


def test_unknown_exercise_or_path_is_a_usage_error(tmp_path, capsys):
    assert main(["check", "ex11", str(tmp_path)]) == 2
    assert "no exercise 'ex11'" in capsys.readouterr().err
    assert main(["check", "ex01", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
