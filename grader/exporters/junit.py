"""JUnit XML, as GitLab, Jenkins and GitHub's test reporters read it: a graded submission as test results.

One ``<testsuite>`` per exercise (named "ex03 Directional derivatives"), one ``<testcase>`` per check
(classname: the exercise's module, name: the check). A wrong answer is a ``<failure>`` whose message
is the diagnosis (the check's message when there is none) and whose text is the full message with
the input, expected and returned values and the tolerance; a check that raised, was not run or timed
out is an ``<error>``. An exercise without checks that still had a problem gets one ``<error>``
testcase carrying the exercise's message; the exercise's message is also a property of its suite
and, when the exercise is missing, raised or timed out, part of every unpassed check's text. What
the learner's code printed is the suite's ``<system-out>``.

Scores are ``<properties>`` (score, max_score) of each suite and of ``<testsuites>``; feedback-only
checks (0 points) are testcases too and add nothing to them. Checks are not timed one by one: each
testcase gets an equal share of its exercise's time. Characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.course import EXERCISES
from grader.model import CheckResult, ExerciseResult, GradeResult

PROBLEM_STATUSES = ("missing", "error", "timeout")  # exercises whose own message explains their checks
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DETAIL_LABELS = (("call", "Input"), ("expected", "Expected"), ("got", "Got"), ("tolerance", "Tolerance"))


def to_junit_xml(result: GradeResult) -> str:
    """The whole result as a JUnit XML document (a ``<testsuites>`` element)."""
    modules = {e.id: e.module for e in EXERCISES}
    suites = [_suite(e, modules.get(e.id, e.id)) for e in result.exercises]
    root = ET.Element(
        "testsuites",
        {
            "name": xml_text(f"gradient-grader: {result.submission}"),
            "tests": str(sum(int(s.get("tests")) for s in suites)),
            "failures": str(sum(int(s.get("failures")) for s in suites)),
            "errors": str(sum(int(s.get("errors")) for s in suites)),
            "time": f"{result.duration_s:.3f}",
        },
    )
    properties = [("score", number(result.score)), ("max_score", number(result.max_score))]
    properties += [("seed", str(result.seed)), ("inputs", result.inputs)]
    properties += [("isolation", f"{result.isolation}: {result.isolation_reason}")]
    properties += [("command", result.command)] if result.command else []
    properties += [("problem", result.problem)] if result.problem else []
    properties += [("note", note) for note in result.notes]
    _add_properties(root, properties)
    root.extend(suites)
    ET.indent(root)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _suite(exercise: ExerciseResult, module: str) -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(f"{exercise.id} {exercise.title}")})
    properties = [("score", number(exercise.score)), ("max_score", number(exercise.max_score))]
    properties += [("status", exercise.status)] + ([("message", exercise.message)] if exercise.message else [])
    _add_properties(suite, properties)
    share = exercise.seconds / max(len(exercise.checks), 1)
    for check in exercise.checks:
        case = _case(suite, module, check.name, share)
        if check.status == "failed":
            _outcome(case, "failure", check.status, failure_message(check), feedback_text(check, exercise))
        elif check.status != "passed":
            _outcome(case, "error", check.status, failure_message(check), feedback_text(check, exercise))
    if not exercise.checks and exercise.status != "passed":
        message = exercise.message or f"{exercise.id}: {exercise.status}, and no check ran."
        case = _case(suite, module, f"{module}.py", exercise.seconds)
        _outcome(case, "error", exercise.status, message, f"{exercise.id} ({exercise.status}): {message}")
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    suite.set("errors", str(sum(c.find("error") is not None for c in cases)))
    suite.set("skipped", "0")
    suite.set("time", f"{exercise.seconds:.3f}")
    if exercise.output:
        ET.SubElement(suite, "system-out").text = xml_text(exercise.output)
    return suite


def _case(suite: ET.Element, classname: str, name: str, seconds: float) -> ET.Element:
    attributes = {"classname": xml_text(classname), "name": xml_text(name), "time": f"{seconds:.3f}"}
    return ET.SubElement(suite, "testcase", attributes)


def _outcome(case: ET.Element, tag: str, kind: str, message: str, text: str) -> None:
    ET.SubElement(case, tag, {"message": xml_text(message), "type": kind}).text = xml_text(text)


def _add_properties(parent: ET.Element, properties: list[tuple[str, str]]) -> None:
    element = ET.SubElement(parent, "properties")
    for name, value in properties:
        ET.SubElement(element, "property", {"name": name, "value": xml_text(value)})


def failure_message(check: CheckResult) -> str:
    """The one-line reason a check did not pass: its diagnosis, else its message."""
    return check.details.get("diagnosis") or check.message or f"{check.name}: {check.status}"


def feedback_text(check: CheckResult, exercise: ExerciseResult) -> str:
    """The full plain-text feedback on an unpassed check (shared with the Gradescope exporter).

    The exercise's message first when the exercise is missing, raised or timed out and the check's
    message does not already say it; the check's message; the input, expected and returned values,
    tolerance and diagnosis one per line; what the check verifies and its points.
    """
    blocks = []
    if exercise.status in PROBLEM_STATUSES and exercise.message and exercise.message not in check.message:
        blocks.append(f"Exercise {exercise.id} ({exercise.status}): {exercise.message}")  # the root cause first
    blocks.append(check.message or f"{check.name}: {check.status}")
    rows = [(label, str(check.details[key])) for key, label in _DETAIL_LABELS if check.details.get(key)]
    rows += [("Diagnosis", str(check.details["diagnosis"]))] if check.details.get("diagnosis") else []
    if rows:
        blocks.append("\n".join(f"{label + ':':<11}{_indented(value, 11)}" for label, value in rows))
    points = f"{number(check.score)}/{number(check.max_score)} points" if check.max_score else "feedback only"
    about = f"Check ({check.part}) {check.name}, {points}" + (f": {check.description}" if check.description else ".")
    return "\n\n".join([*blocks, about])


def _indented(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


def number(value: float) -> str:
    """A score as text: 7.5, 10, 0.25 (no trailing .0, no float noise)."""
    return format(float(value), ".12g")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (NUL, other control characters, surrogates)."""
    return _NOT_XML.sub("", str(text))
