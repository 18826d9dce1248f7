"""`grader grade --format classroom` (legacy): the JSON the retired GitHub Classroom's grading reporter reads."""

from __future__ import annotations

import base64
import json

import pytest

from grader.cli import main
from grader.exporters.classroom import to_classroom, write_step_output
from tests.helpers import by_id

TEST_FIELDS = {
    "name": str,
    "status": str,
    "score": (int, float),
    "message": str,
    "test_code": str,
    "filename": str,
    "line_no": int,
    "duration": (int, float),
}


@pytest.fixture(scope="module")
def results():
    from grader.grade import grade_submission

    return [grade_submission(p) for p in ("examples/typical_mistakes", "examples/partial_folder", "reference")]


def validate(report: dict, result) -> None:
    assert set(report) == {"version", "status", "max_score", "tests"}
    assert report["version"] == 1 and report["max_score"] == result.max_score == 100
    assert report["status"] in ("pass", "fail", "error")
    for test in report["tests"]:
        assert set(test) == set(TEST_FIELDS)
        for field, kind in TEST_FIELDS.items():
            assert isinstance(test[field], kind), (field, test)
        assert test["status"] in ("pass", "fail", "error")
        assert (test["status"] == "pass") == (test["message"] == "")
    assert sum(t["score"] for t in report["tests"]) == pytest.approx(result.score)


def test_reporter_schema_and_totals(results):
    for result in results:
        report = to_classroom(result)
        validate(report, result)
        graded_checks = sum(1 for e in result.exercises for c in e.checks if c.max_score > 0)
        assert len(report["tests"]) == graded_checks
        assert report["status"] == ("pass" if result.score == 100 else "fail")


def test_a_failed_check_carries_its_diagnosis(results):
    typical = results[0]
    failed = next(c for c in by_id(typical)["ex03"].checks if c.status == "failed")
    test = next(t for t in to_classroom(typical)["tests"] if t["name"].endswith(failed.name))
    assert test["status"] == "fail" and test["score"] == 0
    assert test["message"] == failed.message and test["test_code"] == "grader check ex03"


def test_nothing_to_grade_is_an_error(tmp_path):
    from grader.grade import grade_submission

    result = grade_submission(tmp_path)
    report = to_classroom(result)
    validate(report, result)
    assert report["status"] == "error"


def test_step_output_is_base64_json_appended(results, tmp_path, monkeypatch):
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert write_step_output(results[1]) == output
    lines = output.read_text().splitlines()
    assert lines[0] == "earlier=1" and lines[1].startswith("result=")
    assert json.loads(base64.b64decode(lines[1].removeprefix("result="))) == to_classroom(results[1])
    monkeypatch.delenv("GITHUB_OUTPUT")
    assert write_step_output(results[1]) is None  # outside GitHub Actions: nothing to write


def test_the_run_page_gets_a_summary_saying_which_run(tmp_path, monkeypatch):
    from grader.grade import grade_submission

    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    write_step_output(grade_submission("examples/partial_folder", public=True))
    text = summary.read_text()
    assert "| ex01" in text and "Public checks, not the grade" in text and "recorded for those inputs" in text


def test_cli_prints_json_on_stdout_and_the_summary_on_stderr(tmp_path, capsys, monkeypatch):
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert main(["grade", "examples/partial_folder", "--format", "classroom"]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert "Total:" in captured.err
    encoded = output.read_text().strip().removeprefix("result=")
    assert json.loads(base64.b64decode(encoded)) == printed
