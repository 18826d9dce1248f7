"""The JUnit XML exporter: real gradings, checked against the JUnit schema CI test reporters read."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.exporters.junit import to_junit_xml
from grader.grade import grade_submission
from grader.model import CheckResult, ExerciseResult, GradeResult
from tests.helpers import result_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODULES = {e.id: e.module for e in EXERCISES}
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
PROBLEMS = ("missing", "error", "timeout")

# The JUnit XML that GitLab, Jenkins (junit-10.xsd) and GitHub's JUnit reporters read:
# element -> (allowed attributes, required attributes, allowed children).
SCHEMA = {
    "testsuites": ("name tests failures errors skipped disabled time timestamp", "", "properties testsuite"),
    "testsuite": (
        "name tests failures errors skipped disabled time timestamp hostname id package file",
        "name tests",
        "properties testcase system-out system-err",
    ),
    "properties": ("", "", "property"),
    "property": ("name value", "name value", ""),
    "testcase": (
        "name classname time assertions status file line",
        "name classname",
        "failure error skipped system-out system-err",
    ),
    "failure": ("message type", "", ""),
    "skipped": ("message", "", ""),
    "error": ("message type", "", ""),
    "system-out": ("", "", ""),
    "system-err": ("", "", ""),
}
COUNTS = ("tests", "failures", "errors", "skipped")

HOSTILE_EX03 = 'raise RuntimeError("boom \\x00\\x1b[31m red \\ud800")\n'
HOSTILE_EX04 = 'print("noise \\x00\\x07\\x1b[0m <b>&amp;</b> \\ufffe done")\nimport sys\nsys.exit(3)\n'


def hostile_folder(root: Path) -> Path:
    """Reference modules, ex08 left out, ex03 raising with control characters, ex04 printing them."""
    folder = root / "hostile"
    folder.mkdir()
    for exercise in EXERCISES:
        if exercise.id != "ex08":
            shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", folder / f"{exercise.module}.py")
    (folder / "ex03_directional_derivatives.py").write_text(HOSTILE_EX03)
    (folder / "ex04_matrix_calculus.py").write_text(HOSTILE_EX04)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, GradeResult]:
    root = tmp_path_factory.mktemp("junit")
    (root / "empty").mkdir()
    paths = {
        "partial_folder": EXAMPLES / "partial_folder",
        "typical_mistakes": EXAMPLES / "typical_mistakes",
        "correct_notebook": EXAMPLES / "correct_notebook.ipynb",
        "hostile": hostile_folder(root),
        "empty": root / "empty",
    }
    return {name: grade_submission(path) for name, path in paths.items()}


def clean(text: str) -> str:
    return NOT_XML.sub("", text)


def properties(element: ET.Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in element.find("properties").findall("property"):
        found.setdefault(prop.get("name"), []).append(prop.get("value"))
    return found


def check_schema(element: ET.Element) -> None:
    allowed, required, children = (set(words.split()) for words in SCHEMA[element.tag])
    assert set(element.attrib) <= allowed, (element.tag, element.attrib)
    assert required <= set(element.attrib), (element.tag, element.attrib)
    for name in COUNTS:
        if name in element.attrib:
            assert element.get(name).isdigit(), (element.tag, name, element.get(name))
    if "time" in element.attrib:
        assert float(element.get("time")) >= 0
    for child in element:
        assert child.tag in children, (element.tag, child.tag)
        check_schema(child)
    if element.tag == "properties":
        assert len(element), "an empty <properties> element"


def validate(xml: str, result: GradeResult) -> ET.Element:
    """Everything the exporter promises about ``xml``, the export of ``result``."""
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert not NOT_XML.search(xml), "a character XML 1.0 forbids"
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    check_schema(root)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [clean(f"{e.id} {e.title}") for e in result.exercises]
    for name in ("tests", "failures", "errors"):
        assert int(root.get(name)) == sum(int(s.get(name)) for s in suites)
    top = properties(root)
    assert float(top["score"][0]) == pytest.approx(result.score)
    assert float(top["max_score"][0]) == pytest.approx(result.max_score)
    assert sum(float(properties(s)["score"][0]) for s in suites) == pytest.approx(result.score)
    assert sum(float(properties(s)["max_score"][0]) for s in suites) == pytest.approx(result.max_score)
    for suite, exercise in zip(suites, result.exercises, strict=True):
        validate_suite(suite, exercise)
    return root


def validate_suite(suite: ET.Element, exercise: ExerciseResult) -> None:
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in cases)
    assert int(suite.get("errors")) == sum(c.find("error") is not None for c in cases)
    props = properties(suite)
    assert float(props["score"][0]) == pytest.approx(exercise.score)
    assert float(props["max_score"][0]) == pytest.approx(exercise.max_score)
    assert props["status"] == [exercise.status]
    if exercise.message:
        assert props["message"] == [clean(exercise.message)]
    assert all(c.get("classname") == MODULES[exercise.id] for c in cases)
    if exercise.output:
        assert suite.find("system-out").text == clean(exercise.output)
    if not exercise.checks:  # one error testcase carrying the exercise's message, if it had a problem
        assert len(cases) == (exercise.status != "passed")
        assert all(c.find("error").get("message") == clean(exercise.message) for c in cases)
        return
    assert [c.get("name") for c in cases] == [clean(check.name) for check in exercise.checks]
    for case, check in zip(cases, exercise.checks, strict=True):
        validate_case(case, check, exercise)


def validate_case(case: ET.Element, check: CheckResult, exercise: ExerciseResult) -> None:
    outcomes = list(case)
    if check.status == "passed":
        assert outcomes == []
        return
    assert len(outcomes) == 1
    outcome = outcomes[0]
    if not check.max_score:  # feedback only: shown, but never a failed build
        assert outcome.tag == "skipped"
    else:
        assert outcome.tag == ("failure" if check.status == "failed" else "error")
        assert outcome.get("type") == check.status
    assert outcome.get("message") == clean(check.diagnosis or check.message)
    body = outcome.text
    assert clean(check.message) in body
    for key in ("call", "expected", "got", "tolerance", "diagnosis"):
        if check.failure and getattr(check.failure, key):
            assert clean(str(getattr(check.failure, key))) in body
    if exercise.status in PROBLEMS:
        assert clean(exercise.message) in body  # the exercise's own message is never lost


@pytest.mark.parametrize("name", ["partial_folder", "typical_mistakes", "correct_notebook", "hostile", "empty"])
def test_export_follows_the_schema_and_keeps_every_check(graded, name):
    result = graded[name]
    root = validate(to_junit_xml(result), result)
    assert int(root.get("tests")) == sum(len(e.checks) for e in result.exercises)


def test_failures_carry_the_diagnoses(graded):
    result = graded["typical_mistakes"]
    root = ET.fromstring(to_junit_xml(result))
    failures = {(c.get("classname"), c.get("name")): c.find("failure") for c in root.iter("testcase")}
    diagnosed = [(e, c) for e in result.exercises for c in e.checks if c.diagnosis and not c.feedback_only]
    assert len(diagnosed) >= 10
    for exercise, check in diagnosed:
        failure = failures[MODULES[exercise.id], check.name]
        assert failure is not None and failure.get("message") == check.diagnosis
    told = [(e, c) for e in result.exercises for c in e.checks if c.status != "passed" and c.feedback_only]
    assert told, "typical mistakes include some beyond the contract"
    for exercise, check in told:  # feedback only: skipped, with the diagnosis, never a red build
        case = next(
            t
            for t in root.iter("testcase")
            if (t.get("classname"), t.get("name")) == (MODULES[exercise.id], check.name)
        )
        assert case.find("skipped").get("message") == check.diagnosis
    assert "Sign flipped" in {f.get("message")[:12] for f in failures.values() if f is not None}
    graded_failures = sum(c.status == "failed" and c.max_score > 0 for e in result.exercises for c in e.checks)
    assert int(root.get("failures")) == graded_failures


def test_full_marks_have_no_failures_and_feedback_checks_score_nothing(graded):
    result = graded["correct_notebook"]
    root = ET.fromstring(to_junit_xml(result))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert properties(root)["score"] == ["100"] and properties(root)["note"] == result.notes
    feedback = [c for e in result.exercises for c in e.checks if c.max_score == 0]
    assert feedback, "the course has feedback-only checks"
    names = {c.get("name") for c in root.iter("testcase")}
    assert {c.name for c in feedback} <= names


def test_missing_and_crashed_exercises_keep_their_messages(graded):
    result = graded["hostile"]
    exercises = {e.id: e for e in result.exercises}
    assert exercises["ex08"].status == "missing" and exercises["ex03"].status == "error"
    assert "\x00" in exercises["ex03"].message and "\x00" in exercises["ex04"].output
    root = ET.fromstring(to_junit_xml(result))
    suites = {s.get("name")[:4]: s for s in root.findall("testsuite")}
    ex03 = suites["ex03"]
    assert "RuntimeError: boom" in properties(ex03)["message"][0]
    assert all("RuntimeError: boom" in c.find("error").text for c in ex03.findall("testcase"))
    printed = suites["ex04"].find("system-out").text
    assert printed.startswith("noise ") and "<b>&amp;</b>" in printed and "\x00" not in printed
    assert all(c.find("error") is not None for c in suites["ex08"].findall("testcase"))
    assert float(properties(root)["score"][0]) == result.score == 70


def test_nothing_graded_says_why(graded):
    result = graded["empty"]
    root = ET.fromstring(to_junit_xml(result))
    assert result.problem and properties(root)["problem"] == [result.problem]
    graded_checks = sum(c.max_score > 0 for e in result.exercises for c in e.checks)
    assert int(root.get("errors")) == graded_checks > 0  # every check worth points says it was not graded
    assert float(properties(root)["score"][0]) == 0


def test_an_exercise_without_checks_becomes_one_error():
    stopped = ExerciseResult("ex03", "Directional derivatives", 0, 0, "error", "the worker died: \x00 signal 9")
    passed = ExerciseResult(
        "ex01", "Partial derivatives", 1.5, 1.5, "passed", "", [CheckResult("only", "a", 1.5, 1.5, "passed")]
    )
    result = result_of([passed, stopped])
    root = validate(to_junit_xml(result), result)
    case = root.findall("testsuite")[1].find("testcase")
    assert case.get("classname") == "ex03_directional_derivatives"
    assert case.find("error").get("message") == "the worker died:  signal 9"
    assert (root.get("tests"), root.get("errors")) == ("2", "1")
