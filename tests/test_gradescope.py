"""The Gradescope exporter and autograder zip: results.json checked against Gradescope's spec.

The zip test runs run_autograder as Gradescope would, so it needs ``grader grade SUB --gradescope FILE``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.course import EXERCISES, PACKAGE_DIR, REFERENCE_DIR
from grader.exporters.feedback import markdown_text, summary_markdown
from grader.exporters.gradescope import (
    build_autograder_zip,
    project_dependencies,
    to_gradescope,
    write_gradescope_results,
)
from grader.grade import grade_submission
from grader.model import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, GradeResult
from tests.helpers import break_a_check, result_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NUMBERS = {e.id: e.number for e in EXERCISES}
PROBLEMS = ("missing", "error", "timeout")

# https://gradescope-autograders.readthedocs.io/en/latest/specs/
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
TOP_LEVEL_KEYS = {
    "score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
    "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}  # fmt: skip
TEST_KEYS = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
    "visibility", "extra_data",
}  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, GradeResult]:
    root = tmp_path_factory.mktemp("gradescope")
    missing = root / "missing"  # ex08 left out, ex03 raising on import
    missing.mkdir()
    for exercise in EXERCISES:
        if exercise.id != "ex08":
            shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", missing / f"{exercise.module}.py")
    (missing / "ex03_directional_derivatives.py").write_text('raise RuntimeError("boom \\x00")\n')
    (root / "empty").mkdir()
    paths = {
        "partial_folder": EXAMPLES / "partial_folder",
        "typical_mistakes": EXAMPLES / "typical_mistakes",
        "correct_notebook": EXAMPLES / "correct_notebook.ipynb",
        "missing": missing,
        "empty": root / "empty",
    }
    return {name: grade_submission(path) for name, path in paths.items()}


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def validate_spec(data: dict) -> None:
    """What Gradescope requires of results.json, and what this grader promises on top."""
    json.dumps(data, allow_nan=False)  # plain JSON, no NaN
    assert set(data) <= TOP_LEVEL_KEYS
    assert isinstance(data["score"], float)
    assert isinstance(data["execution_time"], int) and data["execution_time"] >= 0
    assert isinstance(data["output"], str) and data["output"]
    assert data["output_format"] == "md"
    assert data.get("test_output_format", "text") in OUTPUT_FORMATS
    assert data.get("visibility", "visible") in VISIBILITIES
    assert data.get("stdout_visibility", "hidden") in VISIBILITIES
    assert isinstance(data["tests"], list) and data["tests"]
    for test in data["tests"]:
        assert set(test) <= TEST_KEYS, test
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["number"], str) and re.fullmatch(r"\d+\.\d+", test["number"]), test["number"]
        assert is_number(test["score"]) and is_number(test["max_score"])
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["output"], str) and test["output"]
        assert test["output_format"] in ("md", "text")
        assert test["visibility"] == "visible"
    numbers = [t["number"] for t in data["tests"]]
    assert len(set(numbers)) == len(numbers)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"])


def validate(data: dict, result: GradeResult) -> None:
    """``data`` follows the spec and is the export of ``result``: every check, with its feedback."""
    validate_spec(data)
    assert data["score"] == result.score
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(result.max_score)
    tests = {t["number"]: t for t in data["tests"]}
    expected = {f"{NUMBERS[e.id]}.{i}" for e in result.exercises for i in range(1, len(e.checks) + 1)}
    expected |= {f"{NUMBERS[e.id]}.0" for e in result.exercises if not e.checks}
    assert set(tests) == expected
    for exercise in result.exercises:
        for i, check in enumerate(exercise.checks, start=1):
            test = tests[f"{NUMBERS[exercise.id]}.{i}"]
            assert test["name"].startswith(f"{exercise.id} ({check.part}) {check.name}")
            assert (test["score"], test["max_score"]) == (check.score, check.max_score)
            assert test["status"] == ("passed" if check.status == "passed" else "failed")
            if check.status == "passed":
                continue
            assert check.message in test["output"]
            assert check.diagnosis in test["output"]
            if exercise.status in PROBLEMS:
                assert exercise.message in test["output"]  # the exercise's own message is never lost
        if not exercise.checks:
            test = tests[f"{NUMBERS[exercise.id]}.0"]
            assert (test["score"], test["max_score"]) == (exercise.score, exercise.max_score)
            assert test["output"] == exercise.message


@pytest.mark.parametrize("name", ["partial_folder", "typical_mistakes", "correct_notebook", "missing", "empty"])
def test_results_follow_the_spec_and_keep_every_check(graded, name):
    validate(to_gradescope(graded[name]), graded[name])


def test_summary_says_how_the_grade_was_produced(graded):
    result = graded["typical_mistakes"]
    summary = to_gradescope(result)["output"]
    assert summary.startswith(f"**Total: {result.score:g} / 100**") and 0 < result.score < 100
    assert str(result.seed) in summary and "reference solution" in summary and result.isolation in summary
    for exercise in result.exercises:
        assert f"| {exercise.id} " in summary
    ex09 = [t for t in to_gradescope(result)["tests"] if t["number"].startswith("9.") and t["status"] == "failed"]
    assert ex09 and all("Sign flipped" in t["output"] for t in ex09)


def test_problems_and_notes_reach_the_student(graded):
    notebook = to_gradescope(graded["correct_notebook"])
    assert notebook["score"] == 100.0 and all(t["status"] == "passed" for t in notebook["tests"])
    assert "matplotlib inline" in notebook["output"] and graded["correct_notebook"].notes
    empty = graded["empty"]
    assert empty.problem and "Nothing could be graded" in to_gradescope(empty)["output"]
    assert "found neither the exercise modules" in to_gradescope(empty)["output"]
    missing = to_gradescope(graded["missing"])
    assert "ex08\\_natural\\_gradient\\.py is missing" in missing["output"]  # escaped markdown
    assert "RuntimeError: boom" in missing["output"]


def test_learner_text_cannot_break_the_markdown_summary():
    assert markdown_text("a | b\n<script>x</script> **bold** [l](u) 2.") == (
        "a &#124; b &lt;script&gt;x&lt;/script&gt; \\*\\*bold\\*\\* \\[l\\]\\(u\\) 2\\."
    )


def test_feedback_only_checks_change_no_totals(graded):
    result = graded["partial_folder"]
    data = to_gradescope(result)
    feedback = [t for t in data["tests"] if t["max_score"] == 0]
    assert feedback and all(t["score"] == 0 and "feedback only" in t["name"] for t in feedback)
    assert sum(t["max_score"] for t in data["tests"]) == result.max_score == 100


def test_an_exercise_without_checks_is_one_test_numbered_n_0():
    stopped = ExerciseResult("ex03", "Directional derivatives", 0, 10, "error", "the worker died (signal 9)")
    done = ExerciseResult("ex01", "Partial", 2, 2, "passed", "", [CheckResult("c", "a", 2, 2, "passed")])
    result = result_of([done, stopped], duration_s=1.6)
    data = to_gradescope(result)
    validate(data, result)
    assert [t["number"] for t in data["tests"]] == ["1.1", "3.0"]
    assert data["tests"][1]["status"] == "failed" and data["execution_time"] == 2


def test_results_file_is_written_whole(graded, tmp_path):
    target = tmp_path / "results" / "results.json"
    write_gradescope_results(graded["missing"], target)
    assert json.loads(target.read_text()) == to_gradescope(graded["missing"])
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build_autograder_zip(tmp_path_factory.mktemp("zip") / "dist" / "autograder.zip")


def test_zip_holds_the_scripts_and_what_the_grader_needs(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        requirements = archive.read("requirements.txt").decode().split()
        setup = archive.read("setup.sh").decode()
    assert not [n for n in infos if "__pycache__" in n or n.endswith(".pyc") or n.startswith("/") or ".." in n]
    for name in ("setup.sh", "run_autograder"):
        mode = infos[name].external_attr >> 16
        assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, (name, oct(mode))
    assert all(not (info.external_attr >> 16) & 0o022 for info in infos.values())  # nothing world-writable
    # Every module of the grader, not only those a test happens to import: an installed grader
    # could otherwise stand in for a missing one here, but not on Gradescope.
    expected = {f"grader/{p.relative_to(PACKAGE_DIR).as_posix()}" for p in PACKAGE_DIR.rglob("*.py")}
    expected = {name for name in expected if "__pycache__" not in name} | {"pyproject.toml", "templates/report.html.j2"}
    for exercise in EXERCISES:
        expected |= {f"grader/exercises/{exercise.module}.py", f"assignments/{exercise.module}.py"}
        expected |= {f"reference/{exercise.module}.py"}
    assert expected <= set(infos)
    assert requirements == project_dependencies() and "numpy>=1.24" in requirements
    assert "apt-get install -y python3 python3-pip python3-venv" in setup and "bubblewrap ||" in setup
    first, second = build_autograder_zip(tmp_path / "a.zip"), build_autograder_zip(tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()  # reproducible: fixed dates, stable order
    for script in ("setup.sh", "run_autograder"):
        extracted = tmp_path / script
        extracted.write_bytes(zipfile.ZipFile(autograder_zip).read(script))
        checked = subprocess.run(["bash", "-n", str(extracted)], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr


def unpack_autograder(autograder_zip: Path, root: Path, submission: Path) -> Path:
    """The /autograder layout Gradescope builds: source/ (the zip, modes as unzip sets them), submission/, results/."""
    source = root / "source"
    with zipfile.ZipFile(autograder_zip) as archive:
        for info in archive.infolist():
            os.chmod(archive.extract(info, source), (info.external_attr >> 16) & 0o777)
    if submission.is_dir():
        shutil.copytree(submission, root / "submission")
    else:
        (root / "submission").mkdir()
        shutil.copyfile(submission, root / "submission" / submission.name)
    (root / "results").mkdir()
    return root


def run_autograder(root: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    script = root / "source" / "run_autograder"  # Gradescope runs it with /autograder as working folder
    completed = subprocess.run(["bash", str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_the_submission_like_gradescope(autograder_zip, graded, tmp_path):
    root = unpack_autograder(autograder_zip, tmp_path / "autograder", EXAMPLES / "typical_mistakes")
    located = subprocess.run(
        [sys.executable, "-c", "import grader; print(grader.__file__)"],
        cwd=root / "source",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert Path(located.stdout.strip()) == root / "source" / "grader" / "__init__.py"  # the bundled copy runs
    data = run_autograder(root)
    assert not data.get("extra_data", {}).get("grader_failed"), data["output"]
    expected = graded["typical_mistakes"]  # the same files, so the same seed and the same grade
    validate_spec(data)
    assert data["score"] == expected.score and 0 < expected.score < 100
    assert [(t["number"], t["score"], t["status"]) for t in data["tests"]] == [
        (t["number"], t["score"], t["status"]) for t in to_gradescope(expected)["tests"]
    ]
    assert sum(t["max_score"] for t in data["tests"]) == expected.max_score


def test_run_autograder_reports_a_crashed_grader_to_the_student(autograder_zip, tmp_path):
    root = unpack_autograder(autograder_zip, tmp_path / "autograder", EXAMPLES / "partial_folder")
    (root / "source" / "grader" / "__main__.py").write_text('raise RuntimeError("the grader broke")\n')
    data = run_autograder(root)
    assert data["score"] == 0.0 and data["tests"] == [] and data["output_format"] == "text"
    assert "RuntimeError: the grader broke" in data["output"] and "instructor" in data["output"]
    assert data["extra_data"]["grader_failed"] is True


def test_run_autograder_publishes_a_grade_with_undecided_checks_marked(autograder_zip, tmp_path):
    """`grader grade` exits 3 when it failed on a check: the grade stands, that check marked, not a 0."""
    root = unpack_autograder(autograder_zip, tmp_path / "autograder", REFERENCE_DIR)
    undecided = break_a_check(root / "source" / "grader")
    data = run_autograder(root)
    validate_spec(data)
    assert not data["extra_data"].get("grader_failed"), data["output"]
    assert data["score"] == 99.0  # the course's solution, less the broken check's one point
    (broken,) = [t for t in data["tests"] if t["status"] == "failed"]
    assert broken["number"] == "2.2" and "a fault in the check" in broken["output"]
    assert "**Not final:**" in data["output"] and markdown_text(undecided) in data["output"]
    assert [e.split(":")[0] for e in data["extra_data"]["grader_errors"]] == [undecided]


def test_the_summary_says_a_total_with_undecided_checks_is_not_final(graded):
    assert "Not final" not in summary_markdown(graded["typical_mistakes"])
    check = CheckResult("grad_f_matches_finite_differences", "b", 0.0, 1.0, CheckStatus.GRADER_ERROR, "RuntimeError: x")
    result = result_of(
        [ExerciseResult("ex02", "Gradient geometry", 0.0, 1.0, ExerciseStatus.GRADER_ERROR, checks=[check])]
    )
    note = "the grader itself failed on one check (ex02 grad_f_matches_finite_differences)"
    assert f"**Not final:** {markdown_text(note)}" in summary_markdown(result)
