"""`grader release --for classroom50`: the autograder folder run the way Classroom 50's runner runs it.

The runner (foundation50/classroom50, ``runner.py``) downloads the assignment's bundle (the
config repository's ``CLASSROOM/autograders/ASSIGNMENT/`` as a tar.gz, at most 10 MB), extracts
it, and runs ``python3 autograder.py`` in the student's checkout with the identity in the
environment; it then reads ``result.json`` and ``release-body.md`` from the checkout. Here the
bundle is packed and extracted the same way, and ``result.json`` is validated against the
published schema ``classroom50/result/v1`` (``schemas/result-v1.schema.json``, written out
below) plus the rules the runner checks in code.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from grader.course import EXERCISES, REFERENCE_DIR
from grader.exporters.classroom50 import BODY_LIMIT, release_body, to_classroom50
from grader.grade import grade_submission
from grader.release.classroom50 import points_scale
from grader.release.targets import write_release
from tests.helpers import break_a_check
from tests.test_release import TYPICAL, function_bodies

ASSIGNMENT = "gradients"
DATETIME = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
NON_EMPTY = {"type": "string", "minLength": 1}
COUNT = {"type": "integer", "minimum": 0}
# classroom50/result/v1 as published (its structural part; descriptions left out).
RESULT_V1 = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "schema",
        "classroom",
        "assignment",
        "assignment_type",
        "owner",
        "submission",
        "commit",
        "release",
        "review",
        "datetime",
        "score",
        "max-score",
        "tests",
    ],
    "properties": {
        "schema": {"const": "classroom50/result/v1"},
        "classroom": NON_EMPTY,
        "assignment": NON_EMPTY,
        "assignment_type": {"enum": ["individual", "group"]},
        "owner": NON_EMPTY,
        "submission": {"type": "string", "pattern": "^submit/"},
        "commit": NON_EMPTY,
        "release": NON_EMPTY,
        "review": NON_EMPTY,
        "datetime": {"type": "string", "pattern": DATETIME},
        "graded_at": {"type": "string", "pattern": DATETIME},
        "score": COUNT,
        "max-score": COUNT,
        "tests": {"type": "array", "items": {"$ref": "#/$defs/testResult"}},
        "submitted_by": {
            "type": "object",
            "additionalProperties": False,
            "required": ["username"],
            "properties": {"username": NON_EMPTY, "id": {"type": ["integer", "null"]}},
        },
    },
    "$defs": {
        "testResult": {
            "type": "object",
            "additionalProperties": True,
            "required": ["test-name", "passed", "score", "max-score"],
            "properties": {
                "test-name": NON_EMPTY,
                "passed": {"type": "boolean"},
                "score": COUNT,
                "max-score": COUNT,
            },
        }
    },
}
RUNNER_ENV = {
    "CLASSROOM": "calc",
    "ASSIGNMENT": ASSIGNMENT,
    "SUBMISSION_TAG": "submit/2026-11-27T14-32-05Z-a1b2c3d",
    "PAGES_BASE_URL": "https://example-org.github.io/classroom50",
    "USERNAME": "octocat",
    "OWNER": "octocat",
    "ASSIGNMENT_TYPE": "individual",
    "COMMIT_URL": "https://github.com/example-org/calc-gradients-octocat/commit/a1b2c3d",
    "RELEASE_URL": "https://github.com/example-org/calc-gradients-octocat/releases/tag/submit%2F2026",
    "REVIEW_URL": "https://github.com/example-org/calc-gradients-octocat/compare/0000000...a1b2c3d",
}


def valid_result(data: dict) -> dict:
    """``data`` validated as the runner and the gradebook collector validate it; returned for chaining."""
    errors = sorted(str(e.message) for e in Draft202012Validator(RESULT_V1).iter_errors(data))
    assert not errors, errors
    for number in [data["score"], data["max-score"]] + [t[k] for t in data["tests"] for k in ("score", "max-score")]:
        assert type(number) is int  # a float such as 3.0 or a bool is refused
    assert data["score"] <= data["max-score"]
    assert all(t["score"] <= t["max-score"] for t in data["tests"])
    return data


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("classroom50") / "release"
    write_release(out, "classroom50")
    return out


@pytest.fixture(scope="module")
def bundle_archive(release) -> bytes:
    """The bundle as Classroom 50's Pages workflow publishes it: ASSIGNMENT.tar.gz of the autograder folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(release / "autograders" / ASSIGNMENT, arcname=ASSIGNMENT)
    return buffer.getvalue()


def run_like_classroom50(
    archive: bytes, checkout: Path, tmp_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Extract the bundle into the runner's scratch folder and run its autograder.py in the checkout."""
    runtime = tmp_path / "classroom50-runtime"
    shutil.rmtree(runtime, ignore_errors=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
        bundle.extractall(runtime, filter="data")
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_REFERENCE_DIR")}
    env |= RUNNER_ENV | {"CLASSROOM50_BUNDLE_DIR": str(runtime / ASSIGNMENT), "GITHUB_OUTPUT": str(outputs)}
    env |= extra_env or {}
    return subprocess.run(
        [sys.executable, str(runtime / ASSIGNMENT / "autograder.py")],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def student_checkout(release: Path, target: Path, modules: dict[str, Path]) -> Path:
    checkout = shutil.copytree(release / "template", target)
    for exercise in EXERCISES:
        if exercise.id in modules:
            shutil.copyfile(modules[exercise.id], checkout / f"{exercise.module}.py")
    return checkout


def test_the_template_and_the_bundle_hold_what_classroom50_expects(release, bundle_archive):
    template, bundle = release / "template", release / "autograders" / ASSIGNMENT
    assert not (template / ".github").exists()  # Classroom 50 owns .github/workflows/autograde.yaml
    assert (template / "ex01_partial_derivatives.py").is_file() and (template / "exercises.ipynb").is_file()
    readme = (template / "README.md").read_text()
    assert "half points" in readme and "divided by 2" in readme and "result.json" in readme
    assert (bundle / "autograder.py").is_file()
    assert len(bundle_archive) < 10 << 20  # the runner refuses a larger bundle
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert not [p for p in files if "reference" in p.relative_to(bundle).parts]
    solutions = set().union(*(function_bodies(p.read_text()) for p in REFERENCE_DIR.glob("*.py")))
    for path in files:
        if path.suffix == ".py":
            assert not function_bodies(path.read_text()) & solutions, f"{path} holds a reference function body"


def test_a_run_gives_a_valid_result_with_the_public_score(release, bundle_archive, tmp_path):
    typical = {e.id: TYPICAL / f"{e.module}.py" for e in EXERCISES if (TYPICAL / f"{e.module}.py").is_file()}
    checkout = student_checkout(release, tmp_path / "octocat", typical)
    expected = grade_submission(shutil.copytree(checkout, tmp_path / "copy"), public=True)
    assert 0 < expected.score < 100

    done = run_like_classroom50(bundle_archive, checkout, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = valid_result(json.loads((checkout / "result.json").read_text()))
    assert {k: result[k] for k in ("classroom", "assignment", "submission", "commit", "release", "review")} == {
        "classroom": "calc",
        "assignment": ASSIGNMENT,
        "submission": RUNNER_ENV["SUBMISSION_TAG"],
        "commit": RUNNER_ENV["COMMIT_URL"],
        "release": RUNNER_ENV["RELEASE_URL"],
        "review": RUNNER_ENV["REVIEW_URL"],
    }
    assert result["score"] == expected.score * 2 and result["max-score"] == 200  # half points, scaled by 2
    graded = [(e, c) for e in expected.exercises for c in e.checks if c.max_score > 0]
    assert [t["test-name"] for t in result["tests"]] == [f"{e.id} ({c.part}) {c.name}" for e, c in graded]
    for test, (_, check) in zip(result["tests"], graded):
        assert test["passed"] == (check.status == "passed") and test["score"] == check.score * 2
        if check.diagnosis:
            assert check.diagnosis in test["message"] and test["diagnosis"] == check.diagnosis

    report = (checkout / "grader-report/report.html").read_text()  # for the assignment's release_assets
    assert "Degrees instead of radians" in report and "Public checks" in report

    body = (checkout / "release-body.md").read_text()
    assert len(body) <= BODY_LIMIT
    assert "| ex03 Directional derivatives | 8 / 10 | partial |" in body
    assert "Degrees instead of radians" in body


def test_a_forged_result_is_replaced_by_the_real_one(release, bundle_archive, tmp_path):
    """Committed result files, and code that writes them while it is graded, lose to the autograder's."""
    checkout = student_checkout(release, tmp_path / "forger", {})
    forged = {**RUNNER_ENV, "schema": "classroom50/result/v1", "score": 200, "max-score": 200, "tests": []}
    (checkout / "result.json").write_text(json.dumps(forged))
    (checkout / "release-body.md").write_text("### 200 / 200")
    (checkout / "grader-report").mkdir()
    (checkout / "grader-report/report.html").write_text("<h1>200 / 200</h1>")
    (checkout / "ex01_partial_derivatives.py").write_text(
        (REFERENCE_DIR / "ex01_partial_derivatives.py").read_text()
        + f"\nfor _name in ('result.json', 'release-body.md'):\n"
        f"    try:\n        open({str(checkout)!r} + '/' + _name, 'w').write({json.dumps(forged)!r})\n"
        f"    except OSError:\n        pass\n"
    )
    done = run_like_classroom50(bundle_archive, checkout, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = valid_result(json.loads((checkout / "result.json").read_text()))
    assert result["score"] == 20 and result["max-score"] == 200  # ex01 right, nothing else done
    assert "200 / 200" not in (checkout / "release-body.md").read_text()
    assert "200 / 200" not in (checkout / "grader-report/report.html").read_text()


def test_grading_that_cannot_finish_is_an_error_not_a_result(release, tmp_path):
    """Past its time limit the autograder stops the grading, workers included, and exits non-zero.

    Classroom 50 then records an error and publishes no Release; no result file is left behind.
    """
    bundle = shutil.copytree(release / "autograders" / ASSIGNMENT, tmp_path / "bundle" / ASSIGNMENT)
    settings = json.loads((bundle / "grading.json").read_text())
    (bundle / "grading.json").write_text(json.dumps(settings | {"time_limit_s": 5}))  # below one exercise's 10 s
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(bundle, arcname=ASSIGNMENT)
    checkout = student_checkout(release, tmp_path / "slow", {})
    (checkout / "ex01_partial_derivatives.py").write_text("while True:\n    pass\n")
    (checkout / "result.json").write_text('{"score": 200}')
    run_id = f"c50{os.getpid()}"
    done = run_like_classroom50(buffer.getvalue(), checkout, tmp_path, {"GRADER_RUN_ID": run_id})
    assert done.returncode != 0
    assert "limit of 5 s" in done.stderr
    assert not (checkout / "result.json").exists()
    assert not tagged_processes(f"GRADER_WORKER_TOKEN={run_id}-")  # the looping worker ended with the grader


def tagged_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_nothing_to_grade_still_validates(tmp_path):
    result = grade_submission(tmp_path)  # an empty checkout: every exercise missing
    data = valid_result(to_classroom50(result, RUNNER_ENV, 2))
    assert data["score"] == 0 and data["max-score"] == 200
    assert data["tests"] and all(not t["passed"] and "found neither" in t["message"] for t in data["tests"])
    assert len(release_body(result, 2)) <= BODY_LIMIT


def test_the_scale_makes_every_points_value_whole():
    assert points_scale([1, 2, 3]) == 1
    assert points_scale([0.5, 1.5, 2]) == 2
    assert points_scale([0.25, 1]) == 4
    assert points_scale([0.5, 1 / 3]) == 6


def test_the_clones_gh_teacher_download_makes_grade_as_a_class(release, tmp_path):
    """`gh teacher download` puts CLASSROOM-SLUG-USERNAME clones, each with its result files, beside scores.csv."""
    from grader.batch import grade_class

    folder = tmp_path / "calc-gradients_submissions"
    folder.mkdir()
    (folder / "scores.csv").write_text("username,score,max_score\nalice,200,200\n")
    solved = {e.id: REFERENCE_DIR / f"{e.module}.py" for e in EXERCISES}
    for username, modules in {"alice": solved, "bob": {}}.items():
        clone = student_checkout(release, folder / f"calc-{ASSIGNMENT}-{username}", modules)
        (clone / "result.json").write_text('{"schema": "classroom50/result/v1", "score": 200}')
        (clone / "results.json").write_text("[]")
        (clone / ".classroom50.yaml").write_text(f"classroom: calc\nassignment: {ASSIGNMENT}\n")
    graded = grade_class(folder, tmp_path / "graded", jobs=1)
    scores = {o.student: o.result.score for o in graded.students}
    assert scores == {f"calc-{ASSIGNMENT}-alice": 100, f"calc-{ASSIGNMENT}-bob": 0}
    assert any(entry.startswith("scores.csv") for entry in graded.skipped)


def test_the_entry_point_needs_only_the_standard_library_before_installing(release):
    """autograder.py imports nothing of the grader's dependencies before it has made sure they are there."""
    engine = release / "autograders" / ASSIGNMENT / "engine"
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import grader.release.runtime, grader.exporters.classroom50, grader.exporters.codio;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'jinja2', 'nbformat', 'rich', 'tqdm'}))"
    )
    done = subprocess.run([sys.executable, "-I", "-c", probe, str(engine)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_missing_dependencies_are_installed_with_pip(tmp_path, monkeypatch):
    from grader.release import runtime

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# what the grader needs\nnumpy>=1.24\nJinja2>=3.1\n")
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        refused = command[1] == "-c" or "--user" not in command  # not importable; a managed Python
        return subprocess.CompletedProcess(command, 1 if refused else 0, "", "externally-managed-environment")

    monkeypatch.setattr(runtime.subprocess, "run", run)
    assert runtime.ensure_dependencies(requirements) == ""
    assert calls[0][-1] == "import numpy, jinja2"
    assert [c[-1] for c in calls[1:]] == [str(requirements), "--user"]
    assert all(c[1:4] == ["-m", "pip", "install"] for c in calls[1:])


def test_the_assignment_slug_is_checked_before_anything_is_written(tmp_path):
    from grader.release.targets import ReleaseError

    with pytest.raises(ReleaseError, match="not a Classroom 50 assignment slug"):
        write_release(tmp_path / "bad", "classroom50", assignment="Homework 1")
    with pytest.raises(ReleaseError, match="use it with --for classroom50"):
        write_release(tmp_path / "codio", "codio", assignment="hw1")
    assert not (tmp_path / "bad").exists() and not (tmp_path / "codio").exists()
    write_release(tmp_path / "hw1", "classroom50", assignment="hw1")
    assert (tmp_path / "hw1/autograders/hw1/autograder.py").is_file()


def test_a_grading_with_an_undecided_check_is_published_with_a_warning(release, tmp_path):
    """The grader failing on one check (exit status 3) publishes the grade, that check marked, not nothing."""
    bundle = shutil.copytree(release / "autograders" / ASSIGNMENT, tmp_path / "bundle" / ASSIGNMENT)
    undecided = break_a_check(bundle / "engine" / "grader")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(bundle, arcname=ASSIGNMENT)
    solved = {e.id: REFERENCE_DIR / f"{e.module}.py" for e in EXERCISES}
    checkout = student_checkout(release, tmp_path / "solved", solved)
    done = run_like_classroom50(buffer.getvalue(), checkout, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    result = valid_result(json.loads((checkout / "result.json").read_text()))
    assert result["score"] == result["max-score"] - 2  # the broken check's one point, scaled by 2
    (broken,) = [t for t in result["tests"] if not t["passed"]]
    assert broken["test-name"] == "ex02 (b) grad_f_matches_finite_differences"
    assert "a fault in the check" in broken["message"]
    assert "**Not final:**" in (checkout / "release-body.md").read_text()
    (warning,) = [line for line in done.stderr.splitlines() if line.startswith("::warning::")]
    assert undecided in warning and "not final" in warning


def test_the_entry_point_knows_the_exit_status_of_a_grade_not_final():
    """runtime.py repeats grader.cli's exit status (it may import nothing of the grader's dependencies)."""
    from grader.cli import GRADER_FAILED
    from grader.release.runtime import GRADED_NOT_FINAL

    assert GRADED_NOT_FINAL == GRADER_FAILED
