"""`grader release --for codio`: the grading script run as Codio runs it, reporting to a local server.

Codio runs the command of an Advanced Code Test (or the assignment's grading script) in a
container that holds the student's workspace with ``.guides/secure`` mounted, and passes the
URL to report to in ``CODIO_PARTIAL_POINTS_V2_URL`` (or ``CODIO_AUTOGRADE_V2_URL``). Here that
URL points at a server on the loopback interface that records every request.
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.exporters.codio import FEEDBACK_LIMIT, codio_feedback, percentage
from grader.exporters.feedback import number
from grader.grade import grade_submission
from grader.model import CheckResult, ExerciseResult
from grader.release.codio import SCRIPT
from grader.release.targets import write_release
from tests.helpers import break_a_check, result_of
from tests.test_release import TYPICAL


class RecordingServer(http.server.ThreadingHTTPServer):
    """Answers every request with ``status`` and keeps (method, path, query, form fields)."""

    def __init__(self, status: int = 200):
        self.status, self.requests = status, []
        super().__init__(("127.0.0.1", 0), Recorder)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the standard library's name)
        length = int(self.headers.get("Content-Length", 0))
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        url = urllib.parse.urlsplit(self.path)
        self.server.requests.append(
            {
                "method": "POST",
                "path": url.path,
                "query": urllib.parse.parse_qs(url.query),
                "content_type": self.headers.get("Content-Type"),
                "fields": {k: v[0] for k, v in fields.items()},
            }
        )
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"code": 1}')

    def log_message(self, *args):  # keep the test's output quiet
        pass


@pytest.fixture
def server():
    recording = RecordingServer()
    thread = threading.Thread(target=recording.serve_forever, daemon=True)
    thread.start()
    yield recording
    recording.shutdown()
    recording.server_close()


@pytest.fixture(scope="module")
def workspace_release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("codio") / "workspace"
    write_release(out, "codio")
    return out


def student_workspace(release: Path, target: Path) -> Path:
    """The assignment's workspace after a student worked in it: typical mistakes where there are some."""
    workspace = shutil.copytree(release, target)
    for exercise in EXERCISES:
        source = TYPICAL / f"{exercise.module}.py"
        if source.is_file():
            shutil.copyfile(source, workspace / f"{exercise.module}.py")
    return workspace


def run_like_codio(workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_REFERENCE_DIR")}
    return subprocess.run(
        [sys.executable, SCRIPT],
        cwd=workspace,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_the_workspace_keeps_the_grading_script_in_the_secure_folder(workspace_release):
    secure = workspace_release / ".guides/secure/gradient-grader"
    assert (secure / "autograde.py").is_file() and (secure / "engine/reference").is_dir()
    assert not (workspace_release / "reference").exists()  # only .guides/secure, which students never get
    assert (workspace_release / "ex01_partial_derivatives.py").read_text() != (
        REFERENCE_DIR / "ex01_partial_derivatives.py"
    ).read_text()
    assert "Codio" in (workspace_release / "README.md").read_text()


def test_an_advanced_code_test_posts_partial_points_and_feedback(workspace_release, tmp_path, server):
    workspace = student_workspace(workspace_release, tmp_path / "student")
    expected = grade_submission(shutil.copytree(workspace, tmp_path / "copy"))  # hidden inputs: the grade
    assert 0 < expected.score < 100

    done = run_like_codio(workspace, {"CODIO_PARTIAL_POINTS_V2_URL": server.url("/partial?token=t0k")})
    assert done.returncode == 0, done.stdout + done.stderr
    (request,) = server.requests
    assert request["path"] == "/partial" and request["query"] == {"token": ["t0k"]}
    assert request["content_type"] == "application/x-www-form-urlencoded"
    fields = request["fields"]
    assert set(fields) == {"points", "feedback", "format"} and fields["format"] == "md"
    assert float(fields["points"]) == pytest.approx(100 * expected.score / expected.max_score, abs=0.005)
    assert "Degrees instead of radians" in fields["feedback"] and "| ex03" in fields["feedback"]
    assert "instructor's reference" in fields["feedback"]  # the graded run, not the public checks


def test_an_assignment_level_script_posts_the_grade(workspace_release, tmp_path, server):
    workspace = student_workspace(workspace_release, tmp_path / "student")
    env = {"CODIO_AUTOGRADE_V2_URL": server.url("/grade"), "CODIO_AUTOGRADE_ENV": '{"student": {"id": "x"}}'}
    done = run_like_codio(workspace, env)
    assert done.returncode == 0, done.stdout + done.stderr
    (request,) = server.requests
    assert set(request["fields"]) == {"grade", "feedback", "format"}
    assert 0 < float(request["fields"]["grade"]) < 100


def test_a_refused_grade_fails_the_script(workspace_release, tmp_path):
    """Codio then records the failure (and emails instructors the output) rather than a silent 0."""
    refusing = RecordingServer(status=500)
    thread = threading.Thread(target=refusing.serve_forever, daemon=True)
    thread.start()
    try:
        workspace = student_workspace(workspace_release, tmp_path / "student")
        done = run_like_codio(workspace, {"CODIO_PARTIAL_POINTS_V2_URL": refusing.url("/partial")})
    finally:
        refusing.shutdown()
        refusing.server_close()
    assert done.returncode != 0 and "HTTP 500" in done.stderr
    assert len(refusing.requests) == 3  # retried, as Codio's own examples do


def test_without_a_codio_url_the_script_says_so(workspace_release, tmp_path):
    workspace = student_workspace(workspace_release, tmp_path / "student")
    done = run_like_codio(workspace, {})
    assert done.returncode != 0 and "CODIO_PARTIAL_POINTS_V2_URL" in done.stderr


def test_feedback_stays_under_codio_limit():
    flood = "x" * 400_000
    checks = [CheckResult(f"c{i}", "a", 0.0, 1.0, "failed", message=flood) for i in range(5)]
    result = result_of([ExerciseResult("ex01", "Partial derivatives", 0.0, 10.0, "failed", checks=checks)])
    text = codio_feedback(result)
    assert len(text.encode()) <= FEEDBACK_LIMIT and text.endswith("longer than Codio accepts.)\n")
    assert number(percentage(result)) == "0"


def test_a_grade_with_an_undecided_check_is_sent_and_says_it_is_not_final(workspace_release, tmp_path, server):
    """The grader failing on one check (exit status 3) still sends the grade; the feedback marks the check."""
    workspace = shutil.copytree(workspace_release, tmp_path / "student")
    for exercise in EXERCISES:
        shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", workspace / f"{exercise.module}.py")
    undecided = break_a_check(workspace / Path(SCRIPT).parent / "engine" / "grader")
    done = run_like_codio(workspace, {"CODIO_PARTIAL_POINTS_V2_URL": server.url("/partial")})
    assert done.returncode == 0, done.stdout + done.stderr
    (request,) = server.requests
    assert float(request["fields"]["points"]) == 99.0
    assert "**Not final:**" in request["fields"]["feedback"] and "a fault in the check" in request["fields"]["feedback"]
    assert undecided in done.stderr and "not final" in done.stderr
