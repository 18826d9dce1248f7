"""The class dashboard (OUT/index.html): its statistics, and the page in a real headless browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from grader.model import CheckResult, ClassResult, ExerciseResult, Failure, Reason, StudentOutcome
from grader.reporting.dashboard import (
    class_summary,
    diagnosis_of,
    exercise_columns,
    exercise_summaries,
    failure_groups,
    grouping_key,
    histogram_chart,
    nice_ticks,
    normalise_message,
    render_dashboard,
    score_histogram,
    short_label,
    student_rows,
)
from tests.helpers import result_of

# ---------------------------------------------------------------- building results by hand

SIGN = "Sign flipped: your answer is the negative of the right one."
STEEPEST = "steepest_descent_is_unit_negative_gradient"


def passed(name: str, points: float = 5.0) -> CheckResult:
    return CheckResult(name, "a", points, points, "passed")


def failed(
    name: str,
    diagnosis: str = "",
    message: str = "",
    points: float = 5.0,
    status: str = "failed",
    reason: Reason = Reason.WRONG,
) -> CheckResult:
    failure = Failure(call="f(x=[1.0, 2.0])", expected="1", got="-1", diagnosis=diagnosis) if diagnosis else None
    message = message or f"f(x=[1.0, 2.0]): wrong. {diagnosis}"
    return CheckResult(name, "a", 0.0, points, status, message, failure, reason=reason)


def exercise(exercise_id: str, checks: list[CheckResult], status: str | None = None) -> ExerciseResult:
    score = sum(c.score for c in checks)
    max_score = sum(c.max_score for c in checks)
    if status is None:
        status = "passed" if score == max_score else "partial" if score else "failed"
    return ExerciseResult(exercise_id, f"Title of {exercise_id}", score, max_score, status, "", checks)


def full(exercise_id: str) -> ExerciseResult:
    return exercise(exercise_id, [passed(f"{exercise_id}_one"), passed(f"{exercise_id}_two")])


def outcome(student: str, *exercises: ExerciseResult, status: str = "graded") -> StudentOutcome:
    return StudentOutcome(student, f"subs/{student}", status, result_of(list(exercises), submission=f"subs/{student}"))


def error_outcome(student: str) -> StudentOutcome:
    message = "Traceback (most recent call last):\n  File 'x.py', line 1\nRuntimeError: the worker did not start"
    return StudentOutcome(student, f"subs/{student}.ipynb", "error", None, message)


def ex02(*checks: CheckResult) -> ExerciseResult:
    return exercise("ex02", list(checks))


@pytest.fixture
def klass() -> ClassResult:
    """Five students (given out of order): one with full marks, three with mistakes, one the grader failed."""
    students = [
        outcome(
            "dave",
            exercise("ex01", [failed("ex01_one", points=5), failed("ex01_two", points=5)]),  # 0 points, failed
            ex02(passed(STEEPEST), failed("unit_length", "Not unit length: its length is 3.2, not 1.")),
        ),
        outcome("alice", full("ex01"), full("ex02")),
        error_outcome("erin"),
        outcome(
            "bob",
            exercise("ex01", [passed("ex01_one"), failed("ex01_two", status="timeout", message="stopped")], "timeout"),
            ex02(failed(STEEPEST, SIGN), failed("unit_length", "Not unit length: its length is 7.1, not 1.")),
            status="reused",
        ),
        outcome(
            "carol",
            exercise("ex01", [failed("ex01_one", message="not graded"), failed("ex01_two")], "missing"),
            ex02(failed(STEEPEST, SIGN), passed("unit_length")),
        ),
    ]
    return ClassResult(students, ["notes.txt: not a notebook or a folder", ".git: hidden"], 12.5)


# ---------------------------------------------------------------- the class as a whole


def test_class_summary_counts_and_averages(klass):
    summary = class_summary(klass)
    assert (summary.graded, summary.failed, summary.reused, summary.full_marks) == (4, 1, 1, 1)
    # totals: alice 20, bob 5, carol 5, dave 5 (the error student takes no part)
    assert summary.mean == pytest.approx(35 / 4)
    assert summary.median == pytest.approx(5)
    assert summary.max_score == 20
    assert summary.skipped == [("notes.txt", "not a notebook or a folder"), (".git", "hidden")]
    assert summary.duration_s == 12.5


def test_class_with_no_graded_student_has_no_averages():
    summary = class_summary(ClassResult([error_outcome("erin")]))
    assert (summary.graded, summary.failed, summary.mean, summary.median) == (0, 1, None, None)
    assert summary.max_score == 100
    assert exercise_summaries(ClassResult([error_outcome("erin")])) == []


def test_histogram_bins_of_ten_points_the_last_holding_full_marks():
    bins = score_histogram([0, 9.99, 10, 55, 59.5, 90, 99.5, 100, 100])
    assert [b.low for b in bins] == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 2, 0, 0, 0, 4]
    assert bins[-1].high == 100 and bins[-1].last and bins[-1].label == "90–100"
    assert bins[0].label == "0 to under 10"
    assert sum(b.count for b in score_histogram([])) == 0


def test_histogram_chart_has_axis_labels_and_a_title_per_bar():
    chart = histogram_chart(score_histogram([15, 15, 72]), median=15)
    assert [label for _, label in chart.x_ticks] == [str(n) for n in range(0, 101, 10)]
    assert chart.y_ticks[0][1] == "0" and chart.y_ticks[-1][1] == "2"
    assert chart.bars[1].title == "10 to under 20 points: 2 students"
    assert chart.bars[7].title == "70 to under 80 points: 1 student"
    tallest = chart.bars[1]
    assert tallest.y == pytest.approx(chart.frame.top) and tallest.y + tallest.height == pytest.approx(
        chart.frame.bottom
    )
    assert chart.markers and chart.markers[0][1] == "median 15"


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(10) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(23) == [0, 5, 10, 15, 20, 25]


# ---------------------------------------------------------------- failed checks


def test_failures_grouped_by_exercise_check_and_diagnosis(klass):
    groups = failure_groups(klass)
    assert set(groups) == {"ex01", "ex02"}
    sign, unit = groups["ex02"]
    assert (sign.check, sign.diagnosis, sign.count, sign.students) == (STEEPEST, SIGN, 2, ("bob", "carol"))
    assert sign.phrase == f"Sign flipped in {STEEPEST}: 2 students"
    # diagnoses that differ only in numbers are one mistake
    assert (unit.check, unit.count, unit.wordings, unit.label) == ("unit_length", 2, 2, "Not unit length")
    # ex01: only dave answered wrongly; bob's timeout and carol's missing exercise are statuses, not mistakes
    assert [(g.check, g.students) for g in groups["ex01"]] == [("ex01_one", ("dave",)), ("ex01_two", ("dave",))]


def test_top_five_failures_most_frequent_first():
    checks = [failed(f"check_{i}", f"Mistake {i}.", points=1) for i in range(7)]
    students = [outcome(f"s{n}", exercise("ex01", checks[: 7 - n])) for n in range(7)]
    groups = failure_groups(ClassResult(students))["ex01"]
    assert [g.check for g in groups] == ["check_0", "check_1", "check_2", "check_3", "check_4"]
    assert [g.count for g in groups] == [7, 6, 5, 4, 3]
    assert failure_groups(ClassResult(students), top=2)["ex01"][-1].check == "check_1"


def test_unimplemented_and_feedback_only_checks_are_not_mistakes():
    unimplemented = failed(
        "check_a",
        message="f is not implemented yet (it raises NotImplementedError).",
        status="error",
        reason=Reason.NOT_IMPLEMENTED,
    )
    feedback_only = failed("check_b", "Hint.", points=0)
    klass = ClassResult([outcome("s", exercise("ex01", [unimplemented, feedback_only, passed("check_c")]))])
    assert failure_groups(klass) == {}
    (summary,) = exercise_summaries(klass)
    assert summary.not_implemented == 1


def test_diagnosis_or_normalised_message():
    assert diagnosis_of(failed("c", SIGN)) == SIGN
    check = CheckResult(
        "c",
        "a",
        0,
        1,
        "failed",
        "g(x=[ 1.5, -2.25], y=3) = [ 0.5, 0.25] increases the loss by -0.17, but a random step does 0.8. More.",
    )
    assert diagnosis_of(check) == "increases the loss by #, but a random step does #"
    check.failure = Failure(call="g(x=[1.5])")
    check.message = "g(x=[1.5]): expected [1.0, 2.0], got [2.0, 4.0] (rtol 1e-06, atol 1e-09)."
    assert diagnosis_of(check) == "wrong value"


def test_normalise_message():
    assert normalise_message("df_dx is not implemented yet (it raises NotImplementedError).") == (
        "df_dx is not implemented yet (it raises NotImplementedError)"
    )
    assert normalise_message("h(A=<array of shape (3, 3)>) -> w: expected 1, got 2 (rtol 0).") == "wrong value"
    assert normalise_message("could not use your answer (TypeError: bad operand 3.5)") == (
        "could not use your answer (TypeError: bad operand #)"
    )
    assert len(normalise_message("word " * 40)) <= 80
    assert normalise_message("") == "failed"


def test_grouping_key_and_label():
    assert grouping_key("Length is 7.166, not 1.") == grouping_key("length is 3.2e-3, not 1.")
    assert grouping_key("wrong shape (2, 4)") != grouping_key("wrong type (2, 4)")
    assert short_label(SIGN) == "Sign flipped"
    assert short_label("wrong shape (2, 4), expected (4, 2): transposed?") == "wrong shape (2, 4), expected (4, 2)"
    assert short_label("Argument modified in place.") == "Argument modified in place"


# ---------------------------------------------------------------- per exercise and per student


def test_exercise_summaries(klass):
    ex01, ex02 = exercise_summaries(klass)
    assert (ex01.id, ex01.title, ex01.max_score, ex01.students) == ("ex01", "Title of ex01", 10, 4)
    assert ex01.mean == pytest.approx((10 + 5 + 0 + 0) / 4)
    assert ex01.full_marks_share == pytest.approx(1 / 4)
    assert ex01.status_counts == {
        "passed": 1,
        "partial": 0,
        "failed": 1,
        "error": 0,
        "timeout": 1,
        "missing": 1,
        "grader error": 0,
    }
    assert ex01.other_students == {"timeout": ["bob"], "missing": ["carol"]}
    assert ex02.mean == pytest.approx((10 + 0 + 5 + 5) / 4)
    assert ex02.status_counts["partial"] == 2 and ex02.status_counts["failed"] == 1
    assert [f.check for f in ex02.failures] == [STEEPEST, "unit_length"]


def test_student_rows_in_id_order_with_error_rows(klass):
    rows = student_rows(klass)
    assert [r.student for r in rows] == ["alice", "bob", "carol", "dave", "erin"]
    alice, bob, _, _, erin = rows
    assert (alice.link, alice.total, alice.status_label) == ("alice/report.html", 20, "graded")
    assert [(c.score, c.status) for c in bob.cells] == [(5, "timeout"), (0, "failed")]
    assert bob.status_label == "unchanged (reused)"
    assert (erin.link, erin.total, erin.status_label) == (None, None, "grader error")
    assert erin.message == "RuntimeError: the worker did not start"
    assert all(c.score is None for c in erin.cells)
    assert [c[0] for c in exercise_columns(klass)] == ["ex01", "ex02"]


def test_student_with_a_problem_is_marked_nothing_graded():
    klass = ClassResult(
        [StudentOutcome("zoe", "subs/zoe", "graded", result_of([], submission="subs/zoe", problem="no modules"))]
    )
    (row,) = student_rows(klass)
    assert (row.status_label, row.message, row.total) == ("nothing graded", "no modules", 0)
    assert class_summary(klass).nothing_graded == 1


# ---------------------------------------------------------------- the page


def test_dashboard_html_is_self_contained_and_escaped(klass):
    klass.students.append(outcome("<b>mallory</b>", full("ex01"), full("ex02")))
    html = render_dashboard(klass)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "<link" not in html and "@import" not in html
    assert "&lt;b&gt;mallory&lt;/b&gt;" in html and "<b>mallory</b>" not in html
    assert 'href="%3Cb%3Emallory%3C/b%3E/report.html"' in html  # ids are quoted in links
    assert f'in <code>{STEEPEST}</code>: <span class="count">2 students</span>' in html
    assert 'href="alice/report.html"' in html and 'href="erin/report.html"' not in html
    assert html.count("<svg") == 2 and '<title id="histogram-title">' in html
    assert "notes.txt" in html and "not a notebook or a folder" in html
    assert "RuntimeError: the worker did not start" in html
    assert "timed out" in html and "missing" in html


@pytest.mark.parametrize("students", [[], [error_outcome("erin"), error_outcome("fred")]])
def test_dashboard_renders_without_graded_students(students):
    html = render_dashboard(ClassResult(students, ["x: hidden"]))
    assert "No student could be graded" in html
    assert "<svg" in html and "</html>" in html


# ---------------------------------------------------------------- in a real browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as playwright:
        executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def dashboard(tmp_path) -> Path:
    """A rendered dashboard with a dummy report per graded student, as ``grader batch`` lays them out."""
    scores = {"amy": 7.5, "Ben": 10, "cleo": 2.5, "dan #2": 5, "eve": 0, "finn": 10}  # the same in every exercise

    def answers(score: float) -> list[ExerciseResult]:
        if score == 10:
            return [full(f"ex{n:02}") for n in range(1, 11)]
        return [
            exercise(f"ex{n:02}", [passed("one", score), failed("two", SIGN, points=10 - score)]) for n in range(1, 11)
        ]

    students = [outcome(name, *answers(score)) for name, score in scores.items()]
    students.append(error_outcome("gus"))
    klass = ClassResult(sorted(students, key=lambda s: s.student), ["readme.md: not a notebook or a folder"])
    for student in klass.students:
        if student.result is not None:
            report = tmp_path / student.report_link
            report.parent.mkdir(parents=True)
            report.write_text(f"<!DOCTYPE html><title>{student.student}</title>")
    path = tmp_path / "index.html"
    path.write_text(render_dashboard(klass))
    return path


def open_page(browser, path: Path, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems, requests = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


def column(page, index: int) -> list[str]:
    return page.eval_on_selector_all(
        "#students tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())"
    )


def test_dashboard_in_chromium_links_and_sorting(browser, dashboard):
    page, problems, requests = open_page(browser, dashboard)
    try:
        assert all(url.startswith("file://") for url in requests), requests  # nothing from the network

        hrefs = page.eval_on_selector_all("#students tbody a", "links => links.map(a => a.href)")
        assert len(hrefs) == 6  # every graded student; gus's grading failed, so he has no report
        for href in hrefs:
            assert Path(unquote(urlparse(href).path)).is_file(), href
        for anchor in page.eval_on_selector_all("a[href^='#']", "links => links.map(a => a.hash.slice(1))"):
            assert page.locator(f"[id='{anchor}']").count() == 1, anchor

        ids = ["Ben", "amy", "cleo", "dan #2", "eve", "finn", "gus"]  # id order (code points), as rendered
        assert column(page, 0) == ids

        total = page.locator("#students thead th", has_text="total")
        total.click()
        assert column(page, 1) == ["0", "25", "50", "75", "100", "100", "—"]  # no total (gus) sorts last
        assert column(page, 0)[4:6] == ["Ben", "finn"]  # ties stay in id order
        assert total.get_attribute("aria-sort") == "ascending"
        total.click()
        assert column(page, 1) == ["100", "100", "75", "50", "25", "0", "—"]
        assert total.get_attribute("aria-sort") == "descending"

        student = page.locator("#students thead th", has_text="student")
        student.click()
        assert column(page, 0) == ids
        assert student.get_attribute("aria-sort") == "ascending" and total.get_attribute("aria-sort") is None
        student.click()
        assert column(page, 0) == ids[::-1]

        page.locator("#students thead th", has_text="ex01").click()
        assert column(page, 2) == ["0", "2.5", "5", "7.5", "10", "10", "—"]

        assert problems == []
    finally:
        page.context.close()


def test_dashboard_without_javascript_is_in_id_order(browser, dashboard):
    page, problems, _ = open_page(browser, dashboard, java_script_enabled=False)
    try:
        assert column(page, 0) == ["Ben", "amy", "cleo", "dan #2", "eve", "finn", "gus"]
        assert page.locator("#students th button").count() == 0  # no dead controls
        assert page.locator("svg title").count() >= 2 + 10 + 10  # the charts, the bins, the exercises
        assert problems == []
    finally:
        page.context.close()
