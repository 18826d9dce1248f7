"""The command line: table, outputs, exit codes; `python -m grader` and `grader` alike."""

from __future__ import annotations

import json
import subprocess
import sys

from grader.cli import main
from grader.course import REFERENCE_DIR


def test_grade_prints_a_table_and_writes_both_outputs(tmp_path, capsys):
    assert main(["grade", str(REFERENCE_DIR), "--out", str(tmp_path), "--seed", "7"]) == 0
    printed = capsys.readouterr().out
    assert "ex01" in printed and "ex10" in printed and "Total: 100/100" in printed
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["seed"] == 7 and results["score"] == 100 and results["max_score"] == 100
    for key in ("schema_version", "submission", "isolation", "duration_s", "exercises"):
        assert key in results
    exercise = results["exercises"][0]
    assert set(exercise) >= {"id", "title", "score", "max_score", "status", "message", "checks"}
    assert set(exercise["checks"][0]) >= {"name", "part", "score", "max_score", "status", "message"}
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_no_such_path_is_a_usage_error(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nope")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_module_entry_point_and_exit_status_whatever_the_score(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert "Total: 0/100" in completed.stdout


def test_bad_arguments_exit_two():
    completed = subprocess.run([sys.executable, "-m", "grader", "grade"], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2


def test_doctor_names_the_isolation_mode(capsys):
    from grader.isolation.sandbox import isolation_mode

    assert main(["doctor"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"Isolation mode: {isolation_mode()[0]}")
    assert "process tree bounds" in printed
