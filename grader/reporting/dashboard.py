"""The class dashboard (``OUT/index.html``): how a whole batch went, on one self-contained page.

The statistics are small pure functions of a ``ClassResult`` (easy to test on results built by
hand); ``render_dashboard`` lays them out with ``templates/dashboard.html.j2``, which only draws.
Students whose grading failed (status "error", no result) are counted and listed, but take no
part in the score statistics.
"""

from __future__ import annotations

import math
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from grader.model import (
    PROBLEM_STATUSES,
    CheckResult,
    CheckStatus,
    ClassResult,
    ExerciseResult,
    ExerciseStatus,
    GradeResult,
    Reason,
    StudentStatus,
)
from grader.reporting.report import templates
from grader.reporting.wording import STATUS_LABELS

TOP_FAILURES = 5  # most frequent failed checks shown per exercise
BIN_WIDTH = 10.0  # points per histogram bin
OTHER_STATUSES = (*PROBLEM_STATUSES, ExerciseStatus.GRADER_ERROR)  # exercise statuses that are not a graded answer
STUDENT_STATUS_LABELS = {
    StudentStatus.GRADED: "graded",
    StudentStatus.REUSED: "unchanged (reused)",
    StudentStatus.GRADER_ERROR: "grader error",
}

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?(?!\w|\.\d)|\b(?:nan|inf)\b", re.IGNORECASE)
_INNER_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_ARRAY_PLACEHOLDER = re.compile(r"<array of shape \([^)]*\)>")
_LEADING_CALL = re.compile(r"^[A-Za-z_]\w*\([^()]*\)\s*")
_CLAUSE_END = re.compile(r"(?<=[\w)\]?])[:.;!]\s|[.!]$")


# ---------------------------------------------------------------- the class as a whole


@dataclass(frozen=True)
class ClassSummary:
    graded: int  # students with a result ("graded" or "reused")
    failed: int  # students whose grading failed (no result)
    reused: int  # of the graded, those unchanged since the last run
    nothing_graded: int  # of the graded, those whose submission could not be read at all
    skipped: list[tuple[str, str]]  # (entry, why) for entries that are not submissions
    mean: float | None  # of total scores; None without graded students
    median: float | None
    max_score: float  # the most points a student can earn
    full_marks: int  # students with every point
    duration_s: float


def graded_results(class_result: ClassResult) -> list[tuple[str, GradeResult]]:
    """(student, result) for every student who has a result, in id order."""
    return [(s.student, s.result) for s in sorted(class_result.students, key=_id) if s.result is not None]


def mean_or_none(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def class_summary(class_result: ClassResult) -> ClassSummary:
    results = [r for _, r in graded_results(class_result)]
    totals = [r.score for r in results]
    return ClassSummary(
        graded=len(results),
        failed=sum(s.result is None for s in class_result.students),
        reused=sum(s.status == StudentStatus.REUSED and s.result is not None for s in class_result.students),
        nothing_graded=sum(bool(r.problem) for r in results),
        skipped=[split_skipped(entry) for entry in class_result.skipped],
        mean=mean_or_none(totals),
        median=median_or_none(totals),
        max_score=max_total(results),
        full_marks=sum(r.max_score > 0 and r.score >= r.max_score for r in results),
        duration_s=class_result.duration_s,
    )


def max_total(results: Iterable[GradeResult]) -> float:
    """The most points a student can earn: the results' own maximum, 100 when there is none."""
    return max((r.max_score for r in results if r.max_score > 0), default=100.0)


def split_skipped(entry: str) -> tuple[str, str]:
    """Split a skipped entry, "name: why", into (name, why); without a reason, why is empty."""
    name, _, why = entry.partition(": ")
    return name, why


# ---------------------------------------------------------------- histogram of totals


@dataclass(frozen=True)
class Bin:
    low: float
    high: float  # exclusive, except for the last bin, which holds the top score too
    count: int
    last: bool = False

    @property
    def label(self) -> str:
        return f"{self.low:g}–{self.high:g}" if self.last else f"{self.low:g} to under {self.high:g}"


def score_histogram(totals: Iterable[float], top: float = 100.0, width: float = BIN_WIDTH) -> list[Bin]:
    """Counts of totals in bins of ``width`` points from 0 to ``top``; the last bin includes ``top``."""
    n_bins = max(1, math.ceil(top / width))
    counts = [0] * n_bins
    for total in totals:
        index = min(max(int(total // width), 0), n_bins - 1)
        counts[index] += 1
    return [Bin(i * width, min((i + 1) * width, top), count, last=i == n_bins - 1) for i, count in enumerate(counts)]


# ---------------------------------------------------------------- failed checks, grouped


def normalise_message(message: str, call: str = "") -> str:
    """A short, student-independent form of a failure message, to group failures without a diagnosis.

    The call and the values (which differ from student to student) are dropped, numbers become
    "#", arrays "[…]"; what is left is the first sentence, at most 80 characters.
    """
    text = message.strip()
    if call and text.startswith(call):
        text = text[len(call) :]
    text = _ARRAY_PLACEHOLDER.sub("…", text)
    while _INNER_BRACKETS.search(text):
        text = _INNER_BRACKETS.sub("…", text)
    text = " ".join(text.split())
    text = _LEADING_CALL.sub("", text, count=1)  # a call the details did not name
    text = re.sub(r"^(?:->\s*\w+\s*)?[:=]?\s*(?:…\s+)?", "", text)
    if re.match(r"expected\b.*\bgot\b", text):
        return "wrong value"
    text = _NUMBER.sub("#", text).replace("…", "[…]")
    text = re.split(r"(?<=[^\s.])\.(?:\s|$)", text, maxsplit=1)[0].strip()
    if len(text) > 80:
        text = text[:79].rsplit(" ", 1)[0] + "…"
    return text or "failed"


def diagnosis_of(check: CheckResult) -> str:
    """The named mistake of a failed check, or a short normalised form of its message."""
    diagnosis = check.diagnosis.strip()
    return diagnosis or normalise_message(check.message, check.failure.call if check.failure else "")


def grouping_key(diagnosis: str) -> str:
    """Diagnoses that differ only in their numbers ("length is 7.2" / "length is 3.1") group together."""
    return " ".join(_NUMBER.sub("#", diagnosis).split()).lower()


def short_label(diagnosis: str) -> str:
    """The diagnosis's first clause: "Sign flipped: your answer is ..." -> "Sign flipped"."""
    head = _CLAUSE_END.split(diagnosis.strip(), maxsplit=1)[0].strip()
    return head or diagnosis.strip()


@dataclass(frozen=True)
class FailureGroup:
    exercise: str
    check: str  # the check's name
    diagnosis: str  # the most common wording among the group
    count: int  # students
    students: tuple[str, ...]
    description: str = ""  # what the check verifies
    wordings: int = 1  # distinct wordings grouped (they differ in numbers only)

    @property
    def label(self) -> str:
        return short_label(self.diagnosis)

    @property
    def phrase(self) -> str:
        """E.g. "Sign flipped in steepest_descent_is_unit_negative_gradient: 7 students"."""
        return f"{self.label} in {self.check}: {students(self.count)}"


def counts_as_failure(exercise: ExerciseResult, check: CheckResult) -> bool:
    """A check that cost points for an answer the student gave.

    Exercises that were missing, timed out or crashed are counted by their status instead, and
    functions not implemented yet are counted apart: neither says which mistake was made.
    """
    return (
        check.status != CheckStatus.PASSED
        and not check.feedback_only
        and exercise.status not in OTHER_STATUSES
        and check.reason is not Reason.NOT_IMPLEMENTED
    )


class FailureTally:
    """A class's failed checks, grouped by (exercise, check, wording) as the students are added.

    The batch adds each student as their result comes in and keeps no failed check itself, so
    that its memory does not grow with the class beyond the students' rows and their names in
    the groups of the mistakes they made. ``of`` tallies a whole ``ClassResult`` at once.
    """

    def __init__(self) -> None:
        self.members: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.wordings: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
        self.descriptions: dict[tuple[str, str], str] = {}
        self.not_implemented: Counter = Counter()  # per exercise id: students with a function not implemented yet

    @classmethod
    def of(cls, class_result: ClassResult) -> FailureTally:
        tally = cls()
        for student, result in graded_results(class_result):
            tally.add(student, result)
        return tally

    def add(self, student: str, result: GradeResult) -> None:
        for exercise in result.exercises:
            unpassed = [c for c in exercise.checks if c.status != CheckStatus.PASSED]
            if exercise.status not in OTHER_STATUSES and any(c.reason is Reason.NOT_IMPLEMENTED for c in unpassed):
                self.not_implemented[exercise.id] += 1
            for check in unpassed:
                if not counts_as_failure(exercise, check):
                    continue
                diagnosis = diagnosis_of(check)
                key = (exercise.id, check.name, grouping_key(diagnosis))
                self.members[key].add(student)
                self.wordings[key][sys.intern(diagnosis)] += 1
                self.descriptions.setdefault((exercise.id, check.name), check.description)

    def groups(self, top: int = TOP_FAILURES) -> dict[str, list[FailureGroup]]:
        """Per exercise id, the ``top`` most frequent (check, diagnosis) failures, most frequent first."""
        groups: dict[str, list[FailureGroup]] = defaultdict(list)
        for key, names in self.members.items():
            exercise_id, check_name, _ = key
            common = sorted(self.wordings[key].items(), key=lambda item: (-item[1], item[0]))[0][0]
            groups[exercise_id].append(
                FailureGroup(
                    exercise=exercise_id,
                    check=check_name,
                    diagnosis=common,
                    count=len(names),
                    students=tuple(sorted(names)),
                    description=self.descriptions[(exercise_id, check_name)],
                    wordings=len(self.wordings[key]),
                )
            )
        return {
            exercise_id: sorted(found, key=lambda g: (-g.count, g.check, g.diagnosis))[:top]
            for exercise_id, found in sorted(groups.items())
        }


def failure_groups(class_result: ClassResult, top: int = TOP_FAILURES) -> dict[str, list[FailureGroup]]:
    """Per exercise id, the ``top`` most frequent (check, diagnosis) failures, most frequent first."""
    return FailureTally.of(class_result).groups(top)


# ---------------------------------------------------------------- per exercise


@dataclass(frozen=True)
class ExerciseSummary:
    id: str
    title: str
    max_score: float
    students: int  # graded students who have this exercise in their result
    mean: float | None
    full_marks_share: float | None  # 0..1
    status_counts: dict[str, int]  # every status in EXERCISE_STATUSES order, zeros included
    not_implemented: int  # students with a function of this exercise not implemented yet
    failures: list[FailureGroup] = field(default_factory=list)
    other_students: dict[str, list[str]] = field(default_factory=dict)  # error/timeout/missing: who

    @property
    def mean_share(self) -> float:
        return (self.mean or 0.0) / self.max_score if self.max_score else 0.0

    @property
    def band(self) -> str:
        """The colour the class's mean deserves: "passed", "partial" or "failed" ("missing" without one)."""
        return score_band(self.mean_share) if self.mean is not None else ExerciseStatus.MISSING


def score_band(share: float) -> ExerciseStatus:
    if share >= 0.8:
        return ExerciseStatus.PASSED
    return ExerciseStatus.PARTIAL if share >= 0.5 else ExerciseStatus.FAILED


def exercise_columns(class_result: ClassResult) -> list[tuple[str, str, float]]:
    """(id, title, max score) of every exercise in any result, in id order."""
    columns: dict[str, tuple[str, str, float]] = {}
    for _, result in graded_results(class_result):
        for exercise in result.exercises:
            columns.setdefault(exercise.id, (exercise.id, exercise.title, exercise.max_score))
    return [columns[key] for key in sorted(columns)]


def exercise_summaries(
    class_result: ClassResult, top: int = TOP_FAILURES, tally: FailureTally | None = None
) -> list[ExerciseSummary]:
    tally = tally or FailureTally.of(class_result)
    failures = tally.groups(top)
    summaries = []
    for exercise_id, title, max_score in exercise_columns(class_result):
        rows = [
            (student, exercise)
            for student, result in graded_results(class_result)
            for exercise in result.exercises
            if exercise.id == exercise_id
        ]
        scores = [e.score for _, e in rows]
        counts = Counter(e.status for _, e in rows)
        statuses = list(STATUS_LABELS) + sorted(set(counts) - set(STATUS_LABELS))
        summaries.append(
            ExerciseSummary(
                id=exercise_id,
                title=title,
                max_score=max_score,
                students=len(rows),
                mean=mean_or_none(scores),
                full_marks_share=(sum(e.score >= e.max_score > 0 for _, e in rows) / len(rows)) if rows else None,
                status_counts={status: counts.get(status, 0) for status in statuses},
                not_implemented=tally.not_implemented[exercise_id],
                failures=failures.get(exercise_id, []),
                other_students={
                    status: [s for s, e in rows if e.status == status] for status in OTHER_STATUSES if counts[status]
                },
            )
        )
    return summaries


# ---------------------------------------------------------------- the student table


@dataclass(frozen=True)
class Cell:
    score: float | None
    max_score: float
    status: ExerciseStatus | str  # "" when the student has no result for this exercise

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status or "not graded")


@dataclass(frozen=True)
class StudentRow:
    student: str
    link: str | None  # the report, relative to the dashboard; None when grading failed (no report)
    status: StudentStatus
    total: float | None
    max_score: float
    cells: list[Cell]
    message: str = ""  # why grading failed, or why nothing could be graded

    @property
    def status_label(self) -> str:
        if self.status != StudentStatus.GRADER_ERROR and self.message:
            return "nothing graded"
        return STUDENT_STATUS_LABELS.get(self.status, self.status)

    @property
    def band(self) -> str:
        if self.total is None:
            return "error"
        return score_band(self.total / self.max_score if self.max_score else 0.0)


def student_rows(class_result: ClassResult, columns: list[tuple[str, str, float]] | None = None) -> list[StudentRow]:
    """One row per student in id order, with a cell per exercise column."""
    columns = exercise_columns(class_result) if columns is None else columns
    rows = []
    for outcome in sorted(class_result.students, key=_id):
        result = outcome.result
        if result is None:
            cells = [Cell(None, max_score, "") for _, _, max_score in columns]
            rows.append(StudentRow(outcome.student, None, outcome.status, None, 0.0, cells, last_line(outcome.message)))
            continue
        by_id = {e.id: e for e in result.exercises}
        cells = [
            Cell(by_id[i].score, by_id[i].max_score, by_id[i].status) if i in by_id else Cell(None, max_score, "")
            for i, _, max_score in columns
        ]
        grader_errors = result.grader_errors
        rows.append(
            StudentRow(
                outcome.student,
                outcome.report_link,
                StudentStatus.GRADER_ERROR if grader_errors else outcome.status,
                result.score,
                result.max_score,
                cells,
                last_line(grader_errors[0]) if grader_errors else result.problem,
            )
        )
    return rows


def last_line(text: str) -> str:
    """The line of a traceback that says what went wrong."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------- chart geometry (inline SVG)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the bar's accessible <title>
    value: str  # printed above the bar
    css: str = ""


@dataclass(frozen=True)
class Frame:
    """A chart's canvas and its plot area, with room around it for tick labels and axis titles."""

    width: int = 460
    height: int = 260
    left: float = 52.0
    top: float = 36.0

    @property
    def right(self) -> float:
        return self.width - 14.0

    @property
    def bottom(self) -> float:
        return self.height - 48.0

    def y_of(self, value: float, y_max: float) -> float:
        """The height of ``value`` on a y axis from 0 (the bottom) to ``y_max`` (the top)."""
        return self.bottom - (self.bottom - self.top) * value / y_max

    def y_ticks(self, ticks: list[float]) -> list[tuple[float, str]]:
        """(y, label) of every tick, the last tick at the top."""
        return [(self.y_of(t, ticks[-1]), f"{t:g}") for t in ticks]

    def bar(self, x: float, width: float, level: float, y_max: float, **text: str) -> Bar:
        """A bar from the x axis up to ``level`` (of ``y_max``); ``text``: its title, printed value, css class."""
        y = self.y_of(level, y_max)
        return Bar(x=x, y=y, width=width, height=self.bottom - y, **text)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    frame: Frame
    bars: list[Bar]
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_ticks: list[tuple[float, str]]  # (x, label)
    x_title: str
    y_title: str
    markers: list[tuple[float, str]] = field(default_factory=list)  # (x, label): dashed vertical lines
    legend: str = ""  # how to read the colours, under the chart


def nice_ticks(maximum: float, most: int = 5) -> list[float]:
    """0 and round steps up to at least ``maximum``: at most ``most`` + 1 ticks."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if maximum == int(maximum) and step < 1:
        step = 1.0
    count = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def histogram_chart(bins: list[Bin], median: float | None = None, frame: Frame = Frame()) -> Chart:
    ticks = nice_ticks(max((b.count for b in bins), default=0))
    top_score = bins[-1].high if bins else 100.0

    def x_of(score: float) -> float:
        return frame.left + (frame.right - frame.left) * score / top_score

    bars = [
        frame.bar(
            x_of(b.low) + 1.5,
            x_of(b.high) - x_of(b.low) - 3,
            b.count,
            ticks[-1],
            title=f"{b.label} points: {students(b.count)}",
            value=str(b.count) if b.count else "",
            css="bin",
        )
        for b in bins
    ]
    edges = [b.low for b in bins] + [top_score]
    return Chart(
        id="histogram",
        title="Total scores",
        description="Number of students per band of 10 points of total score. "
        + "; ".join(f"{b.label}: {b.count}" for b in bins),
        frame=frame,
        bars=bars,
        y_ticks=frame.y_ticks(ticks),
        x_ticks=[(x_of(e), f"{e:g}") for e in edges],
        x_title="Total score (points)",
        y_title="Students",
        markers=[] if median is None else [(x_of(min(max(median, 0.0), top_score)), f"median {fmt(median)}")],
    )


def exercise_chart(summaries: list[ExerciseSummary], frame: Frame = Frame()) -> Chart:
    ticks = nice_ticks(max((s.max_score for s in summaries), default=10.0) or 10.0)
    slot = (frame.right - frame.left) / max(len(summaries), 1)
    bars = []
    for i, s in enumerate(summaries):
        full = f", {percent(s.full_marks_share)} with full marks" if s.full_marks_share is not None else ""
        bars.append(
            frame.bar(
                frame.left + i * slot + slot * 0.15,
                slot * 0.7,
                s.mean or 0.0,
                ticks[-1],
                title=f"{s.id} {s.title}: mean {fmt(s.mean)} of {s.max_score:g}{full}",
                value=fmt(s.mean),
                css=s.band,
            )
        )
    means = "; ".join(f"{s.id}: {fmt(s.mean)} of {s.max_score:g}" for s in summaries)
    return Chart(
        id="exercise-means",
        title="Mean score per exercise",
        description=f"Mean score of the graded students in each exercise. {means}",
        legend="Green: mean at least 80% of the points; amber: at least 50%; red: below.",
        x_title="Exercise",
        x_ticks=[(frame.left + (i + 0.5) * slot, s.id) for i, s in enumerate(summaries)],
        y_title="Mean score (points)",
        y_ticks=frame.y_ticks(ticks),
        frame=frame,
        bars=bars,
    )


# ---------------------------------------------------------------- formatting and rendering


def fmt(value: float | None, digits: int = 1) -> str:
    """A score for reading: "7.5", "8", "—" for none."""
    if value is None:
        return "—"
    return f"{round(value, digits):g}"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(100 * share)}%"


def students(count: int) -> str:
    return f"{count} student" + ("" if count == 1 else "s")


def _id(outcome) -> str:
    return outcome.student


def render_dashboard(class_result: ClassResult, tally: FailureTally | None = None) -> str:
    """The class dashboard as one self-contained HTML page (inline CSS and SVG, a small sort script).

    ``tally``: the failed checks, where the students' rows no longer hold them (``grader.batch``).
    """
    return "".join(dashboard_pieces(class_result, tally))


def dashboard_pieces(class_result: ClassResult, tally: FailureTally | None = None) -> Iterator[str]:
    """The dashboard's HTML as it is made, piece by piece: a class's page is never whole in memory."""
    summary = class_summary(class_result)
    columns = exercise_columns(class_result)
    exercises = exercise_summaries(class_result, tally=tally)
    totals = [r.score for _, r in graded_results(class_result)]
    template = templates().get_template("dashboard.html.j2")
    return template.generate(
        summary=summary,
        columns=columns,
        exercises=exercises,
        rows=student_rows(class_result, columns),
        failed=[s for s in sorted(class_result.students, key=_id) if s.result is None],
        charts=[
            histogram_chart(score_histogram(totals, summary.max_score), summary.median),
            exercise_chart(exercises),
        ],
        labels=STATUS_LABELS,
        other_statuses=OTHER_STATUSES,
        fmt=fmt,
        percent=percent,
        students=students,
    )
