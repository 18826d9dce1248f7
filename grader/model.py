"""The results of grading, as plain dataclasses that serialise to the JSON in results.json.

The vocabulary is defined here once: the statuses of a check, an exercise and a student of a
batch, the reason a check stopped, and what a failed comparison showed. Statuses and reasons are
``StrEnum`` members, so they compare equal to (and serialise as) their plain string values.
No I/O beyond ``to_json``/``from_dict`` and no formatting: reports and exporters read these.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum

SCHEMA_VERSION = 2  # 2: a check's ``details`` became ``failure`` (null when nothing was compared) and ``reason``


class CheckStatus(StrEnum):
    """How one check ended."""

    PASSED = "passed"
    FAILED = "failed"  # the answer was wrong
    ERROR = "error"  # no answer to judge: the code raised, is missing or crashed
    TIMEOUT = "timeout"  # the exercise ran out of time before or during this check
    GRADER_ERROR = "grader error"  # the check's own code failed: a fault in the grader, its points undecided


class ExerciseStatus(StrEnum):
    """How one exercise ended, from its checks and its run."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MISSING = "missing"
    GRADER_ERROR = "grader error"  # one of its checks is a grader error: its score is not final


EXERCISE_STATUSES = tuple(ExerciseStatus)
# Exercises whose own message explains their checks: they did not give a graded answer.
PROBLEM_STATUSES = (ExerciseStatus.ERROR, ExerciseStatus.TIMEOUT, ExerciseStatus.MISSING)


class StudentStatus(StrEnum):
    """How grading one student of a batch went."""

    GRADED = "graded"
    REUSED = "reused"  # unchanged since the last run: the earlier result is kept
    GRADER_ERROR = "error"  # the grader failed on this student: no result


class Reason(StrEnum):
    """Why a check did not pass: what scoring and the dashboard read instead of the English message."""

    WRONG = "wrong"  # an answer that is not the expected one
    UNUSABLE = "unusable"  # an answer the check could not use at all (a type or shape it cannot read)
    RAISED = "raised"  # the learner's function raised
    NOT_IMPLEMENTED = "not implemented"  # it still raises NotImplementedError
    NOT_DEFINED = "not defined"  # the learner's code has no function of that name
    MISSING = "missing"  # the exercise's code was not found in the submission
    STOPPED = "stopped"  # the exercise crashed earlier (or now): its process is gone
    TIMEOUT = "timeout"  # the exercise's time ran out
    NOT_RECORDED = "not recorded"  # a public run lacks the inputs this check needs
    CHECK_ERROR = "check error"  # the check's own code failed: a fault in the grader, not in the answer
    GRADER_ERROR = "grader error"  # the grader could not run the learner's code (a worker fault)


# Why every check of an exercise may fail at once; the exercise's message then states it once for all.
REPORTED_ONCE = (Reason.NOT_IMPLEMENTED, Reason.NOT_DEFINED)


_LEAVES = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def plain(value):
    """A result as plain dicts and lists, like ``dataclasses.asdict`` but without deep-copying its leaves.

    Every leaf of a result is immutable (str, int, float, a StrEnum, None), so it is shared, not copied.
    """
    kind = type(value)
    if kind in _LEAVES:  # most of a result: checked first, by exact type
        return value
    if is_dataclass(value):
        return {name: plain(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass
class Failure:
    """What a failed comparison showed: the call, both values (formatted), the tolerance and the diagnosis."""

    call: str = ""  # e.g. "df_dx(x=1.0, y=2.0)"
    expected: str = ""
    got: str = ""
    tolerance: str = ""  # e.g. "rtol 1e-08, atol 1e-10"
    diagnosis: str = ""  # the named mistake, when one was recognised


@dataclass
class CheckResult:
    name: str
    part: str
    score: float
    max_score: float
    status: CheckStatus
    message: str = ""
    failure: Failure | None = None  # for a wrong answer (and a few stops): what was compared
    description: str = ""  # what the check verifies, in a sentence
    reason: Reason | None = None  # why it did not pass; None when it passed
    function: str = ""  # the learner's function it stopped at, when that is what stopped it
    inherits: list[str] = field(default_factory=list)  # callees whose error a passing caller inherits

    @property
    def feedback_only(self) -> bool:
        """A 0-point check: it tells the student something but costs nothing."""
        return not self.max_score

    @property
    def diagnosis(self) -> str:
        return self.failure.diagnosis if self.failure else ""

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        failure = data.get("failure")
        reason = data.get("reason")
        return cls(
            **{
                **data,
                "status": CheckStatus(data["status"]),
                "failure": Failure(**failure) if failure is not None else None,
                "reason": Reason(reason) if reason is not None else None,
            }
        )


@dataclass
class ExerciseResult:
    id: str
    title: str
    score: float
    max_score: float
    status: ExerciseStatus
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""  # what the learner's code printed, trimmed
    seconds: float = 0.0

    @property
    def graded_checks(self) -> list[CheckResult]:
        """The checks worth points (the others are feedback only)."""
        return [c for c in self.checks if not c.feedback_only]

    @property
    def problem_said_once(self) -> bool:
        """Every failed check failed for the one problem the exercise's message states (e.g. not implemented)."""
        failed = [c for c in self.graded_checks if c.status != CheckStatus.PASSED]
        return bool(failed) and all(c.reason in REPORTED_ONCE for c in failed)


@dataclass
class GradeResult:
    submission: str
    seed: int
    isolation: str  # "bubblewrap" | "process"
    isolation_reason: str
    score: float
    max_score: float
    duration_s: float
    exercises: list[ExerciseResult]
    notes: list[str] = field(default_factory=list)  # skipped magics, ignored cells, ...
    setup_errors: list[str] = field(default_factory=list)  # failed statements of the notebook's setup cells, once
    problem: str = ""  # why nothing could be graded, when that is the case
    command: str = ""  # the command that reproduces this grading
    inputs: str = "hidden"  # "hidden": the instructor's grading; "public": a student's public check run
    schema_version: int = SCHEMA_VERSION

    @property
    def undecided_checks(self) -> list[str]:
        """Checks the grader itself failed to run, as "ex03 check_name": their points are undecided."""
        return [f"{exercise_id} {check.name}" for exercise_id, check in self._grader_error_checks()]

    @property
    def grader_errors(self) -> list[str]:
        """The undecided checks with the grader's fault: "ex03 check_name: message"."""
        return [f"{exercise_id} {check.name}: {check.message}" for exercise_id, check in self._grader_error_checks()]

    def _grader_error_checks(self) -> list[tuple[str, CheckResult]]:
        return [(e.id, c) for e in self.exercises for c in e.checks if c.status == CheckStatus.GRADER_ERROR]

    def to_dict(self) -> dict:
        return plain(self)

    def to_json(self) -> str:
        # One line: json's C encoder writes it; with indent, the pure-Python one takes ten times longer.
        return json.dumps(self.to_dict(), allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict) -> GradeResult:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"results of schema {data.get('schema_version')}, not {SCHEMA_VERSION}")
        exercises = [
            ExerciseResult(
                **{
                    **e,
                    "status": ExerciseStatus(e["status"]),
                    "checks": [CheckResult.from_dict(c) for c in e["checks"]],
                }
            )
            for e in data["exercises"]
        ]
        return cls(**{**data, "exercises": exercises})


@dataclass
class StudentOutcome:
    """One student of a batch: where their work was, and how grading it went."""

    student: str  # the entry's name without extension
    source: str  # the entry's path
    status: StudentStatus
    result: GradeResult | None = None
    message: str = ""  # why the grader failed, for status GRADER_ERROR

    @property
    def report_link(self) -> str:
        return f"{self.student}/report.html"


@dataclass
class ClassResult:
    """A whole batch: every student, in order of their id, and the entries that were skipped."""

    students: list[StudentOutcome]
    skipped: list[str] = field(default_factory=list)  # "name: why" for entries that are not submissions
    duration_s: float = 0.0
