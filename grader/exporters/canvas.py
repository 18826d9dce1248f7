"""Canvas gradebook import: a graded class as the CSV Canvas's Grades > Import accepts.

Owns reading Canvas's own gradebook export (the roster: identity columns, a ``Points Possible``
row, metadata rows such as ``Muted``/``Manual Posting``, a UTF-8 BOM), reading the optional
GitHub-username-to-login mapping, matching batch students to roster rows, and writing the import
file: the identity columns, one new ``Gradient exercises (grader)`` column, the ``Points
Possible`` row, then one row per roster student (blank when there is no score: Canvas leaves a
blank cell unchanged). Nothing is guessed: ambiguous matches are reported and left blank, and
every student or roster row that gets no score is listed.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from grader.files import write_atomically
from grader.model import ClassResult
from grader.reporting.safe_text import spreadsheet_cell, terminal_text

CANVAS_IMPORT_FILE = "canvas-import.csv"
COLUMN = "Gradient exercises (grader)"
IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
POINTS_POSSIBLE = "Points Possible"
TEST_STUDENT_NAMES = ("student, test", "test student")  # Canvas's student view user
METADATA_ROWS = ("Muted", "Manual Posting")
MAPPING_KEYS = ("github_username", "student")
DEFAULT_MAX_SCORE = 100.0


class CanvasError(ValueError):
    """A roster or mapping file that cannot be used; the message says why and what to do."""


@dataclass
class CanvasImport:
    rows: list[list[str]]  # header, Points Possible row, one row per roster student
    unmatched_students: list[str] = field(default_factory=list)  # graded students not on the roster
    roster_without_submission: list[str] = field(default_factory=list)  # "Name (login)"
    problems: list[str] = field(default_factory=list)  # ambiguities and mapping issues, left blank
    grader_errors: list[str] = field(default_factory=list)  # "student (Name)": the grader failed, left blank
    matched_by_ending: list[str] = field(default_factory=list)  # "id as username": scored, for a human to confirm
    scored: int = 0  # roster rows given a score
    roster_size: int = 0  # roster students, the test student excepted


@dataclass
class _Roster:
    columns: list[str]  # the identity columns present, in the export's order
    rows: list[dict[str, str]]
    problems: list[str]  # rows that name someone but cannot be imported


def _read_csv(path: Path, what: str) -> list[list[str]]:
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise CanvasError(f"cannot read the {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise CanvasError(f"{path} is not UTF-8 text; save the {what} as CSV UTF-8") from None
    return [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]


def read_roster(roster_csv: Path) -> _Roster:
    """The identity columns and student rows of a Canvas gradebook export."""
    table = _read_csv(roster_csv, "Canvas roster")
    header = [cell.strip() for cell in table[0]] if table else []
    missing = [name for name in ("Student", "SIS Login ID") if name not in header]
    if missing:
        raise CanvasError(
            f"{roster_csv} is not a Canvas gradebook export: its header lacks {' and '.join(map(repr, missing))} "
            "(in Canvas: Grades > Export > Export Entire Gradebook)"
        )
    roster = _Roster([name for name in header if name in IDENTITY_COLUMNS], [], [])
    for cells in table[1:]:
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        if row["Student"] in ("", POINTS_POSSIBLE, *METADATA_ROWS):
            continue  # Points Possible, and older exports' Muted / Manual Posting rows
        if "ID" in row and not any(row.get(name) for name in ("ID", "SIS User ID", "SIS Login ID", "Integration ID")):
            roster.problems.append(f"roster row {row['Student']!r} has no Canvas ID or SIS ID: left out")
            continue
        roster.rows.append(row)
    return roster


def read_mapping(mapping_csv: Path) -> list[tuple[str, str]]:
    """(github username, SIS login), lower-cased, from a ``github_username,sis_login_id`` CSV."""
    table = _read_csv(mapping_csv, "Canvas mapping")
    header = [cell.strip().lower() for cell in table[0]] if table else []
    key = next((name for name in MAPPING_KEYS if name in header), None)
    if key is None or "sis_login_id" not in header:
        raise CanvasError(
            f"{mapping_csv}: a mapping file needs the header 'github_username,sis_login_id' "
            f"(or 'student,sis_login_id'), not {','.join(header) or 'nothing'!r}"
        )
    user_at, login_at = header.index(key), header.index("sis_login_id")
    pairs = {}  # a dict keeps the file's order and drops repeated lines
    for cells in table[1:]:
        user = cells[user_at].strip().lower() if user_at < len(cells) else ""
        login = cells[login_at].strip().lower() if login_at < len(cells) else ""
        if user and login:
            pairs[user, login] = None
    return list(pairs)


def validate_canvas_inputs(roster_csv: Path, mapping_csv: Path | None = None) -> None:
    """Raise CanvasError now, before a long batch, if the roster or mapping cannot be used."""
    read_roster(roster_csv)
    if mapping_csv is not None:
        read_mapping(mapping_csv)


def format_score(score: float) -> str:
    """87.333 -> '87.33', 100.0 -> '100', 87.5 -> '87.5'."""
    text = f"{round(score, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _label(row: dict[str, str]) -> str:
    return f"{row['Student']} ({row['SIS Login ID'] or 'no SIS login'})"


def repository_prefix(ids: list[str], usernames: set[str] = frozenset()) -> str:
    """The "<assignment>-" that cloned repositories' names start with: "" when fewer than two ids share one.

    The prefix ending in "-" that the most ids start with; of those, the one after which the most
    ids are known ``usernames``, then the longest ("hw3-x-" over "hw3-" only when "bob" and "carol",
    not "x-bob" and "x-carol", are mapped).
    """
    counts = Counter(student[: i + 1] for student in ids for i, char in enumerate(student) if char == "-")
    most = max(counts.values(), default=0)
    if most < 2:
        return ""

    def evidence(prefix: str) -> tuple[int, int]:
        known = sum(student.startswith(prefix) and student[len(prefix) :] in usernames for student in ids)
        return known, len(prefix)

    return max((p for p, n in counts.items() if n == most), key=evidence)


def _usernames(student: str, exact: set[str], prefix: str) -> tuple[list[str], bool]:
    """The GitHub usernames a (lower-cased) student id may stand for, and whether they are only its name's endings.

    The id itself when it is a login or a mapped username; the rest of it after the class's
    repository prefix; else, with no prefix to go by, every ending after a "-" (a match there is
    reported: "cls-x-bob" may be user "x-bob", unmapped, rather than "bob").
    """
    if student in exact:
        return [student], False
    if prefix and student.startswith(prefix):
        return [student[len(prefix) :]], False
    return [student[i + 1 :] for i, char in enumerate(student) if char == "-"], True


def canvas_import(roster_csv: Path, result: ClassResult, mapping_csv: Path | None = None) -> CanvasImport:
    """Match the graded class to the roster of a Canvas gradebook export; raises CanvasError on a bad file."""
    roster = read_roster(roster_csv)
    mapping = read_mapping(mapping_csv) if mapping_csv is not None else []
    by_login: dict[str, list[int]] = {}
    for index, row in enumerate(roster.rows):
        if row["SIS Login ID"]:
            by_login.setdefault(row["SIS Login ID"].lower(), []).append(index)
    imp = CanvasImport(rows=[], problems=list(roster.problems))
    logins_of: dict[str, set[str]] = {}  # github username -> SIS logins
    for user, login in mapping:
        logins_of.setdefault(user, set()).add(login)
        if login not in by_login:
            imp.problems.append(f"mapping: {user} -> {login}, but no roster student has SIS Login ID {login}")

    claims: dict[int, list] = {}  # roster row -> the outcomes that matched it
    exact = {o.student.lower() for o in result.students} & (set(by_login) | set(logins_of))
    ids = [o.student.lower() for o in result.students if o.student.lower() not in exact]
    prefix = repository_prefix(ids, set(logins_of))
    for outcome in result.students:
        student = outcome.student.lower()
        names, by_ending = _usernames(student, exact, prefix)
        logins = {student} if student in by_login else set()
        logins |= {login for name in names for login in logins_of.get(name, ())}
        rows = sorted({index for login in logins for index in by_login.get(login, [])})
        if len(rows) == 1:
            claims.setdefault(rows[0], []).append(outcome)
            if by_ending:
                name = next(name for name in names if name in logins_of)
                imp.matched_by_ending.append(f"{outcome.student} as {name}")
        elif rows:
            labels = ", ".join(_label(roster.rows[i]) for i in rows)
            imp.problems.append(f"{outcome.student} matches several roster students ({labels}): not scored")
        else:
            imp.unmatched_students.append(outcome.student)

    max_scores = {o.result.max_score for o in result.students if o.result is not None}
    max_score = max(max_scores) if max_scores else DEFAULT_MAX_SCORE
    if len(max_scores) > 1:
        imp.problems.append(f"students were graded out of different maxima {sorted(max_scores)}; using {max_score:g}")
    imp.rows.append([*roster.columns, COLUMN])
    points = [POINTS_POSSIBLE if name == "Student" else "" for name in roster.columns]
    imp.rows.append([*points, format_score(max_score)])
    for index, row in enumerate(roster.rows):
        is_test_student = row["Student"].lower() in TEST_STUDENT_NAMES
        imp.roster_size += not is_test_student
        outcomes = claims.get(index, [])
        cell = ""
        if len(outcomes) > 1:
            students = ", ".join(o.student for o in outcomes)
            imp.problems.append(f"{_label(row)} is matched by several students ({students}): not scored")
        elif outcomes and outcomes[0].result is None:
            imp.grader_errors.append(f"{outcomes[0].student} ({_label(row)})")
        elif outcomes:
            cell = format_score(outcomes[0].result.score)
            imp.scored += 1
        elif not is_test_student:
            imp.roster_without_submission.append(_label(row))
        imp.rows.append([*(row[name] for name in roster.columns), cell])
    return imp


def canvas_csv(imp: CanvasImport) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([spreadsheet_cell(cell) for cell in row] for row in imp.rows)
    return text.getvalue()


def write_canvas_import(imp: CanvasImport, path: Path) -> None:
    """Write the import file (UTF-8 without BOM), atomically."""
    write_atomically(path, canvas_csv(imp))


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def canvas_summary(imp: CanvasImport, path: Path | None = None) -> list[str]:
    """The lines to print after writing the import: what was scored and everything that was not."""
    head = f"Canvas import: {imp.scored} of {_plural(imp.roster_size, 'roster student', 'roster students')} scored"
    lines = [head + (f"; written to {path}" if path is not None else "")]
    if imp.unmatched_students:
        count = _plural(len(imp.unmatched_students), "graded student is", "graded students are")
        lines.append(f"  {count} not on the roster (map them with --canvas-map): {', '.join(imp.unmatched_students)}")
    if imp.roster_without_submission:
        count = _plural(len(imp.roster_without_submission), "roster student has", "roster students have")
        lines.append(f"  {count} no graded submission, left blank: {'; '.join(imp.roster_without_submission)}")
    if imp.grader_errors:
        count = _plural(len(imp.grader_errors), "student", "students")
        lines.append(f"  grader error for {count}, left blank: {'; '.join(imp.grader_errors)}")
    if imp.matched_by_ending:
        count = _plural(len(imp.matched_by_ending), "student was", "students were")
        lines.append(
            f"  {count} matched by the end of their name alone (no other student shares their repository prefix), "
            f"check them: {'; '.join(imp.matched_by_ending)}"
        )
    lines.extend(f"  problem: {problem}" for problem in imp.problems)
    return [terminal_text(line) for line in lines]
