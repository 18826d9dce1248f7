"""JUnit XML, as GitLab, Jenkins and GitHub's test reporters read it: a graded submission as test results.

One ``<testsuite>`` per exercise (named "ex03 Directional derivatives"), one ``<testcase>`` per check
(classname: the exercise's module, name: the check). A wrong answer is a ``<failure>`` whose message
is the diagnosis (the check's message when there is none) and whose text is the full message with
the input, expected and returned values and the tolerance; a check that raised, was not run or timed
out is an ``<error>``. An exercise without checks that still had a problem gets one ``<error>``
testcase carrying the exercise's message; the exercise's message is also a property of its suite
and, when the exercise is missing, raised or timed out, part of every unpassed check's text. What
the learner's code printed is the suite's ``<system-out>``.

Scores are ``<properties>`` (score, max_score) of each suite and of ``<testsuites>``. Checks are
not timed one by one: each testcase gets an equal share of its exercise's time. Characters XML 1.0 forbids are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from grader.course import EXERCISES
from grader.exporters.feedback import failure_message, feedback_text, number
from grader.model import CheckStatus, ExerciseResult, ExerciseStatus, GradeResult

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
            "skipped": str(sum(int(s.get("skipped")) for s in suites)),
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
        if check.status != CheckStatus.PASSED and check.feedback_only:  # feedback only: no red build at full marks
            ET.SubElement(case, "skipped", {"message": xml_text(failure_message(check))}).text = xml_text(
                feedback_text(check, exercise)
            )
        elif check.status == CheckStatus.FAILED:
            _outcome(case, "failure", check.status, failure_message(check), feedback_text(check, exercise))
        elif check.status != CheckStatus.PASSED:
            _outcome(case, "error", check.status, failure_message(check), feedback_text(check, exercise))
    if not exercise.checks and exercise.status != ExerciseStatus.PASSED:
        message = exercise.message or f"{exercise.id}: {exercise.status}, and no check ran."
        case = _case(suite, module, f"{module}.py", exercise.seconds)
        _outcome(case, "error", exercise.status, message, f"{exercise.id} ({exercise.status}): {message}")
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    suite.set("errors", str(sum(c.find("error") is not None for c in cases)))
    suite.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
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


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (NUL, other control characters, surrogates)."""
    return _NOT_XML.sub("", str(text))
