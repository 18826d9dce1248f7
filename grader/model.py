"""The results of grading, as plain dataclasses that serialise to the JSON in results.json.

No I/O beyond ``to_json``/``from_json`` and no formatting: reports and exporters read these.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

SCHEMA_VERSION = 1
EXERCISE_STATUSES = ("passed", "partial", "failed", "error", "timeout", "missing", "grader error")
GRADER_ERROR = "grader error"  # the status of a check (and its exercise) that the grader failed to run
REPORTED_ONCE = ("not implemented", "not defined")  # check reasons an exercise's message states once for all
CHECK_ERROR = "check error"  # a check's reason when its own code failed: the grader's fault, not the learner's


@dataclass
class CheckResult:
    name: str
    part: str
    score: float
    max_score: float
    status: str  # passed | failed | error | timeout | grader error
    message: str = ""
    details: dict = field(default_factory=dict)  # call, expected, got, tolerance, diagnosis
    description: str = ""  # what the check verifies, in a sentence
    reason: str = ""  # CHECK_ERROR when the check's own code failed


@dataclass
class ExerciseResult:
    id: str
    title: str
    score: float
    max_score: float
    status: str  # one of EXERCISE_STATUSES
    message: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""  # what the learner's code printed, trimmed
    seconds: float = 0.0

    @property
    def problem_said_once(self) -> bool:
        """Every failed check failed for the one problem the exercise's message states (e.g. not implemented)."""
        failed = [c for c in self.checks if c.status != "passed" and c.max_score]
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
    problem: str = ""  # why nothing could be graded, when that is the case
    command: str = ""  # the command that reproduces this grading
    inputs: str = "hidden"  # "hidden": the instructor's grading; "public": a student's public check run
    schema_version: int = SCHEMA_VERSION

    @property
    def grader_errors(self) -> list[str]:
        """Checks the grader itself failed to run ("ex03 check_name: message"): their points are undecided."""
        return [f"{e.id} {c.name}: {c.message}" for e in self.exercises for c in e.checks if c.status == GRADER_ERROR]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict) -> GradeResult:
        exercises = [
            ExerciseResult(**{**e, "checks": [CheckResult(**c) for c in e["checks"]]}) for e in data["exercises"]
        ]
        return cls(**{**data, "exercises": exercises})


@dataclass
class StudentOutcome:
    """One student of a batch: where their work was, and how grading it went."""

    student: str  # the entry's name without extension
    source: str  # the entry's path
    status: str  # "graded" | "reused" (unchanged since the last run) | "error" (the grader failed)
    result: GradeResult | None = None
    message: str = ""  # why the grader failed, for status "error"

    @property
    def report_link(self) -> str:
        return f"{self.student}/report.html"


@dataclass
class ClassResult:
    """A whole batch: every student, in order of their id, and the entries that were skipped."""

    students: list[StudentOutcome]
    skipped: list[str] = field(default_factory=list)  # "name: why" for entries that are not submissions
    duration_s: float = 0.0
