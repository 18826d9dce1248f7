"""The HTML report: self-contained, and it explains every lost point."""

from __future__ import annotations

import re

from grader.course import REFERENCE_DIR

WRONG_EX02 = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text().replace(
    "return -g / norm", "return g / norm"
) + "\nprint('debug: <b>not bold</b>')\n"


def test_report_explains_failures_and_is_self_contained(grade, make_folder, tmp_path):
    out = tmp_path / "out"
    result = grade(make_folder({"ex02": WRONG_EX02}, only=["ex01", "ex02"]), out_dir=out)
    html = (out / "report.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing fetched from the network
    assert "<script" not in html
    failed = next(c for e in result.exercises for c in e.checks if c.status != "passed" and e.id == "ex02")
    assert failed.failure.call in html.replace("&#39;", "'")
    assert "Sign flipped" in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in html  # learner output is escaped
    assert result.command in html and str(result.seed) in html
    assert result.isolation in html
    assert "is missing from the submission" in html  # missing exercises say why


def test_report_lists_skipped_magics(grade, tmp_path):
    import nbformat

    cell = nbformat.v4.new_code_cell("# Your Solution\n# Exercise 2 - learner workspace\n%matplotlib inline\n")
    book = nbformat.v4.new_notebook(cells=[cell])
    path = tmp_path / "nb.ipynb"
    path.write_text(nbformat.writes(book))
    grade(path, out_dir=tmp_path / "out")
    assert "%matplotlib inline" in (tmp_path / "out" / "report.html").read_text()
