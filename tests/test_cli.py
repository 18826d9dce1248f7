"""The command line: table, outputs, exit codes; `python -m grader` and `grader` alike."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

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


def test_version_prints_the_package_version(capsys):
    import grader

    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert capsys.readouterr().out.strip() == f"grader {grader.__version__}"


@pytest.mark.parametrize("seed", ["-5", "-1", str(2**64), "1e3", "seven", "99999999999999999999999999999"])
def test_a_seed_out_of_range_or_not_an_integer_is_a_usage_error(seed, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["grade", str(REFERENCE_DIR), "--seed", seed])
    assert stop.value.code == 2
    assert "--seed" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["0", str(2**64 - 1)])
def test_the_extreme_seeds_grade_the_reference_in_full(seed, capsys):
    assert main(["grade", str(REFERENCE_DIR), "--seed", seed]) == 0
    assert "Total: 100/100" in capsys.readouterr().out


def test_grade_submission_refuses_a_negative_seed_and_a_missing_path(tmp_path):
    from grader.grade import grade_submission

    with pytest.raises(ValueError, match="seed"):
        grade_submission(REFERENCE_DIR, seed=-5)
    with pytest.raises(FileNotFoundError):
        grade_submission(tmp_path / "nope")


def test_outputs_that_cannot_be_written_are_one_line_usage_errors(tmp_path, capsys):
    a_file = tmp_path / "taken"
    a_file.write_text("not a folder")
    commands = [
        ["grade", str(REFERENCE_DIR), "--out", str(a_file)],
        ["grade", str(REFERENCE_DIR), "--junit", str(a_file / "junit.xml")],
        ["grade", str(REFERENCE_DIR), "--gradescope", str(a_file / "results.json")],
        ["grade", str(REFERENCE_DIR), "--junit", str(tmp_path)],
        ["check", str(REFERENCE_DIR), "--html", str(a_file / "report.html")],
        ["notebook", "--out", str(a_file / "exercises.ipynb")],
        ["batch", str(tmp_path), "--out", str(a_file)],
    ]
    for command in commands:
        assert main(command) == 2, command
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert error.startswith("grader: error: ") and "Traceback" not in error, error
        assert str(a_file) in error or str(tmp_path) in error


def test_batch_of_one_students_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["batch", str(REFERENCE_DIR), "--out", str(tmp_path / "out")]) == 2
    assert "one student's submission" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_batch_of_an_empty_folder_or_of_strays_only_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "class").mkdir()
    assert main(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    assert "no students" in capsys.readouterr().err
    (tmp_path / "class" / "notes.txt").write_text("")
    assert main(["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 2
    assert "notes.txt" in capsys.readouterr().err


def test_batch_output_inside_the_class_folder_is_not_a_student(tmp_path):
    import shutil

    from grader.batch import grade_class

    shutil.copytree(REFERENCE_DIR, tmp_path / "class" / "ada")
    out = tmp_path / "class" / "out"
    for _ in range(2):  # the second run finds the first run's outputs in the class folder
        result = grade_class(tmp_path / "class", out, jobs=1)
        assert [s.student for s in result.students] == ["ada"]
        assert any(entry.startswith("out: the output folder") for entry in result.skipped)


def test_a_disk_that_refuses_the_outputs_after_grading_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    import grader.grade

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(grader.grade, "write_atomically", refuse)
    assert main(["grade", str(REFERENCE_DIR), "--out", str(tmp_path / "out"), "--seed", "1"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("grader: error: cannot write") and "results.json" in error and "Permission denied" in error


def test_a_lone_module_named_like_an_exercise_is_graded_as_that_exercise(tmp_path, capsys):
    import shutil

    module = tmp_path / "ex03_directional_derivatives.py"
    shutil.copyfile(REFERENCE_DIR / module.name, module)
    (tmp_path / "unrelated.py").write_text("raise SystemExit('not copied, not run')\n")
    assert main(["grade", str(module), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "ex03" in printed and "Total: 10/10" in printed and "ex04" not in printed


def test_a_lone_module_that_imports_another_exercises_module_is_told_it_is_graded_alone(tmp_path):
    from grader.grade import grade_submission

    module = tmp_path / "ex09_softmax_ce_gradient.py"
    module.write_text("from ex07_softmax_cross_entropy import softmax\n" + (REFERENCE_DIR / module.name).read_text())
    (result,) = grade_submission(module).exercises
    assert "another exercise's module, and it is not in this submission" in result.message, result.message
    assert "not installed" not in result.message and ".;" not in result.message


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("work.txt", "my answers\n", "work.txt is not a notebook (.ipynb), an exercise module"),
        ("ex3_directional.py", "x = 1\n", "rename it ex03_directional_derivatives.py"),
        ("solution.py", "x = 1\n", "is not named like an exercise module"),
    ],
)
def test_a_file_that_is_not_a_notebook_says_what_it_is_once(name, content, said, tmp_path, capsys):
    (tmp_path / name).write_text(content)
    assert main(["grade", str(tmp_path / name)]) == 0
    printed = capsys.readouterr().out
    assert printed.count(said) == 1 and "notebook could not be read" not in printed


def test_a_reader_that_goes_away_gets_no_traceback():
    # `grader doctor | head -1`: the pipe closes before the grader has said everything.
    piped = subprocess.run(
        f"{shlex.quote(sys.executable)} -m grader doctor | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.stdout == "I" and "Traceback" not in piped.stderr, piped.stderr
