"""The Canvas gradebook import: a class graded for real, matched to a roster in Canvas's export shape."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest

from grader.batch import grade_class
from grader.course import PROJECT_DIR, REFERENCE_DIR
from grader.exporters.canvas import (
    CANVAS_IMPORT_FILE,
    COLUMN,
    CanvasError,
    canvas_import,
    canvas_summary,
    format_score,
    validate_canvas_inputs,
    write_canvas_import,
)
from grader.isolation.sandbox import Limits
from grader.model import ClassResult, StudentOutcome
from grader.progress import Progress

EXAMPLES = PROJECT_DIR / "examples"
IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
ASSIGNMENTS = ["Homework 1 (4411)", "Current Score", "Final Score"]
STUDENTS = [  # name, Canvas id, SIS user id, SIS login
    ("Doe, Jane", "101", "S101", "jdoe"),
    ("Smith, Ann", "102", "S102", "ASmith"),  # logins compare case-insensitively
    ("Brown, Bob", "103", "S103", "bbrown"),
    ("Lee, Cy", "104", "S104", "clee"),  # no submission
    ("Student, Test", "999", "", ""),  # Canvas's test student
]


def roster_text(identity: list[str] = IDENTITY, muted_row: bool = True) -> str:
    """A gradebook export as Canvas writes it: BOM, (old) Muted row, Points Possible row, students."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([*identity, *ASSIGNMENTS])
    blanks = [""] * (len(identity) - 1)
    if muted_row:
        writer.writerow(["", *blanks, "Muted", "", ""])
    writer.writerow(["    Points Possible", *blanks, "10.00", "(read only)", "(read only)"])
    for name, canvas_id, sis_id, login in STUDENTS:
        values = {"Student": name, "ID": canvas_id, "SIS User ID": sis_id, "SIS Login ID": login}
        values |= {"Section": "MATH-2040-01", "Integration ID": f"int-{canvas_id}", "Root Account": "uni.edu"}
        writer.writerow([*(values[c] for c in identity), "8.00", "80.00", "80.00"])
    return "\ufeff" + text.getvalue()


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(roster_text().encode("utf-8"))
    return path


def write_mapping(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> ClassResult:
    """A class graded once, for real: a direct login match, a classroom clone, a username, a stranger."""
    folder = tmp_path_factory.mktemp("canvas") / "class"
    folder.mkdir()
    shutil.copytree(EXAMPLES / "partial_folder", folder / "jdoe")
    shutil.copytree(EXAMPLES / "typical_mistakes", folder / "hw3-octocat")
    shutil.copytree(REFERENCE_DIR, folder / "bobgh")
    shutil.copytree(EXAMPLES / "typical_mistakes", folder / "stranger")
    result = grade_class(
        folder, folder.parent / "out", jobs=2, limits=Limits(timeout_s=5.0), progress=Progress(0, stream=io.StringIO())
    )
    assert all(o.status == "graded" for o in result.students)
    return result


def scores_of(result: ClassResult) -> dict[str, float]:
    return {o.student: o.result.score for o in result.students}


def read_back(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_import_file_scores_matched_students_and_lists_the_rest(tmp_path, roster, graded):
    mapping = write_mapping(tmp_path / "map.csv", "github_username,sis_login_id\noctocat,asmith\nBobGH,bbrown\n")
    imp = canvas_import(roster, graded, mapping)
    out = tmp_path / "out" / "canvas-import.csv"
    write_canvas_import(imp, out)
    rows = read_back(out)
    assert rows == imp.rows
    assert rows[0] == [*IDENTITY, COLUMN]
    assert rows[1] == ["Points Possible", "", "", "", "", "100"]
    cells = {row[3]: row[-1] for row in rows[2:]}
    assert list(cells) == ["jdoe", "ASmith", "bbrown", "clee", ""]  # roster order, test student kept
    scores = scores_of(graded)
    assert float(cells["jdoe"]) == pytest.approx(scores["jdoe"], abs=0.005)
    assert float(cells["ASmith"]) == pytest.approx(scores["hw3-octocat"], abs=0.005)  # classroom prefix
    assert float(cells["bbrown"]) == pytest.approx(scores["bobgh"], abs=0.005) and cells["bbrown"] == "100"
    assert 0 < scores["jdoe"] < 100 and cells["clee"] == "" and cells[""] == ""
    assert rows[2][:5] == ["Doe, Jane", "101", "S101", "jdoe", "MATH-2040-01"]
    assert imp.unmatched_students == ["stranger"]
    assert imp.roster_without_submission == ["Lee, Cy (clee)"]  # the test student is not missing anyone
    assert imp.problems == [] and imp.grader_errors == []
    assert imp.matched_by_ending == ["hw3-octocat as octocat"]  # the only id with its prefix: confirm it
    lines = canvas_summary(imp, out)
    assert any("matched by the end of their name" in line and "hw3-octocat as octocat" in line for line in lines)
    assert lines[0] == f"Canvas import: 3 of 4 roster students scored; written to {out}"
    assert any("stranger" in line for line in lines) and any("Lee, Cy (clee)" in line for line in lines)


def test_without_mapping_only_login_names_match(roster, graded):
    imp = canvas_import(roster, graded)
    assert sorted(imp.unmatched_students) == ["bobgh", "hw3-octocat", "stranger"]
    assert imp.scored == 1 and len(imp.roster_without_submission) == 3


def test_student_column_header_and_alternative_columns(tmp_path, graded):
    identity = ["Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section"]
    path = tmp_path / "export.csv"
    path.write_bytes(roster_text(identity, muted_row=False).encode("utf-8"))
    mapping = write_mapping(tmp_path / "map.csv", "\ufeffstudent,sis_login_id\nbobgh,bbrown\n")
    imp = canvas_import(path, graded, mapping)
    assert imp.rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section", COLUMN]
    assert imp.rows[2][:6] == ["Doe, Jane", "101", "S101", "jdoe", "int-101", "MATH-2040-01"]
    assert {row[3]: row[-1] for row in imp.rows[2:]}["bbrown"] == "100"


def test_ambiguities_are_reported_not_guessed(tmp_path, roster, graded):
    outcome = {o.student: o for o in graded.students}["jdoe"]
    renamed = [dataclasses.replace(outcome, student=name) for name in ("hw3-octocat", "other", "q-ann-lee")]
    mapping = write_mapping(
        tmp_path / "map.csv",
        "github_username,sis_login_id\noctocat,asmith\nother,asmith\nlee,clee\nann-lee,bbrown\nghost,nobody\n",
    )
    imp = canvas_import(roster, ClassResult(renamed), mapping)
    cells = {row[3]: row[-1] for row in imp.rows[2:]}
    assert cells["ASmith"] == "" and cells["clee"] == "" and cells["bbrown"] == ""  # nothing guessed
    assert imp.scored == 0
    assert any("Smith, Ann (ASmith)" in p and "hw3-octocat, other" in p for p in imp.problems)
    assert any(p.startswith("q-ann-lee matches several roster students") for p in imp.problems)  # no prefix known
    assert any("nobody" in p for p in imp.problems)  # a mapping line to nobody on the roster
    assert "  problem: " + imp.problems[0] in canvas_summary(imp)


@pytest.mark.parametrize("ids", [("cls-hw-x-bob", "cls-hw-bob", "cls-hw-octocat"), ("cls-hw-x-bob", "cls-hw-octocat")])
def test_a_username_is_what_follows_the_repository_prefix_not_any_ending(tmp_path, roster, graded, ids):
    """User x-bob's clone never takes user bob's grade, whether or not bob submitted."""
    scores = {"cls-hw-x-bob": 11.0, "cls-hw-bob": 77.0, "cls-hw-octocat": 55.0}
    outcome = {o.student: o for o in graded.students}["jdoe"]
    students = [
        dataclasses.replace(outcome, student=name, result=dataclasses.replace(outcome.result, score=scores[name]))
        for name in ids
    ]
    mapping = write_mapping(tmp_path / "map.csv", "github_username,sis_login_id\nbob,bbrown\noctocat,asmith\n")
    imp = canvas_import(roster, ClassResult(students), mapping)
    cells = {row[3]: row[-1] for row in imp.rows[2:]}
    assert cells["bbrown"] == ("77" if "cls-hw-bob" in ids else "") and cells["ASmith"] == "55"
    assert imp.unmatched_students == ["cls-hw-x-bob"] and imp.problems == [] and imp.matched_by_ending == []


def test_grader_error_is_listed_with_a_blank_score(roster, graded):
    crashed = StudentOutcome("jdoe", "class/jdoe", "error", None, "Traceback ...")
    imp = canvas_import(roster, ClassResult([crashed]))
    assert imp.rows[1][-1] == "100" and {row[3]: row[-1] for row in imp.rows[2:]}["jdoe"] == ""
    assert imp.grader_errors == ["jdoe (Doe, Jane (jdoe))"] and imp.scored == 0
    assert any("grader error for 1 student" in line for line in canvas_summary(imp))


def test_files_that_are_not_canvas_exports_or_mappings_are_refused(tmp_path, roster, graded):
    ours = tmp_path / "gradebook.csv"
    ours.write_text("student,ex01,total\nada,10,100\n")
    with pytest.raises(CanvasError, match="not a Canvas gradebook export.*'SIS Login ID'") as refused:
        canvas_import(ours, graded)
    assert isinstance(refused.value, ValueError)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(CanvasError, match="not a Canvas gradebook export"):
        validate_canvas_inputs(empty)
    with pytest.raises(CanvasError, match="cannot read"):
        validate_canvas_inputs(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(roster_text().encode("utf-8")[3:].replace(b"Doe", "Doë".encode("latin-1")))
    with pytest.raises(CanvasError, match="not UTF-8"):
        validate_canvas_inputs(latin)
    wrong = write_mapping(tmp_path / "map.csv", "username,login\noctocat,asmith\n")
    with pytest.raises(CanvasError, match="github_username,sis_login_id"):
        canvas_import(roster, graded, wrong)


def test_scores_are_rounded_without_noise():
    assert [format_score(x) for x in (100.0, 87.5, 87.333333, 0.0, 66.666666, 12.10000001)] == [
        "100",
        "87.5",
        "87.33",
        "0",
        "66.67",
        "12.1",
    ]


def test_batch_command_writes_the_import_and_lists_the_unmatched(tmp_path, roster, capsys):
    from grader.cli import main

    folder = tmp_path / "class"
    shutil.copytree(EXAMPLES / "partial_folder", folder / "jdoe")
    shutil.copytree(REFERENCE_DIR, folder / "stranger")
    assert main(["batch", str(folder), "--out", str(tmp_path / "out"), "--jobs", "1", "--canvas", str(roster)]) == 0
    printed = capsys.readouterr().out
    assert "stranger" in printed  # graded but not on the roster: said, not dropped
    rows = read_back(tmp_path / "out" / CANVAS_IMPORT_FILE)
    jdoe = next(row for row in rows if row[3] == "jdoe")
    graded = json.loads((tmp_path / "out" / "jdoe" / "results.json").read_text())
    assert float(jdoe[-1]) == graded["score"]


def test_batch_command_refuses_a_bad_roster_before_grading(tmp_path, capsys):
    from grader.cli import main

    not_canvas = tmp_path / "roster.csv"
    not_canvas.write_text("name,email\nA,a@x\n")
    out = tmp_path / "out"
    assert main(["batch", str(EXAMPLES / "class"), "--out", str(out), "--canvas", str(not_canvas)]) == 2
    assert "SIS Login ID" in capsys.readouterr().err and not out.exists()
    assert main(["batch", str(EXAMPLES / "class"), "--out", str(out), "--canvas-map", str(not_canvas)]) == 2


def test_of_prefixes_every_id_shares_the_one_that_leaves_mapped_usernames_wins():
    from grader.exporters.canvas import repository_prefix

    ids = ["hw3-x-bob", "hw3-x-carol"]  # "hw3-" and "hw3-x-" both start every id
    assert repository_prefix(ids, {"x-bob", "x-carol"}) == "hw3-"
    assert repository_prefix(ids, {"bob", "carol"}) == "hw3-x-"
    assert repository_prefix(ids) == "hw3-x-"  # no evidence: the longest, as before
