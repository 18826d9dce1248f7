"""What a platform's entry script does around grading: dependencies, a time limit, the results.

Classroom 50 runs ``autograder.py`` in the student's checkout; Codio runs ``autograde.py`` in the
student's workspace. Both scripts sit beside ``grading.json`` (their settings),
``requirements.txt`` and ``engine/`` (the grader), put ``engine/`` on ``sys.path`` and call
``classroom50_autograde`` or ``codio_autograde`` here. This module imports only the standard
library at the top: it runs before the grader's dependencies may be installed.

Grading runs in a child process (``python -m grader grade``) with a time limit of its own, in its
own session, killed whole when it ends or the limit passes (the workers it started end with it,
as ``grader.isolation`` sees to). Its environment has none of the variables
through which a GitHub Actions step talks to the runner (``GITHUB_OUTPUT``, ``GITHUB_ENV``, ...)
nor the runner's tokens: learner code runs below it. The results are read back as the grader's
own ``results.json`` and turned into the platform's format in this (trusted) process, after the
child and everything it started are gone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = "grading.json"
REQUIREMENTS_FILE = "requirements.txt"
ENGINE_DIR = "engine"
INSTALL_TIMEOUT_S = 300
# `grader grade`'s exit status when grading finished but the grader failed on some checks
# (grader.cli.GRADER_FAILED): its results stand, with those checks marked and their points undecided.
GRADED_NOT_FINAL = 3
# What a step may use to change the job (outputs, environment, PATH, summary) or reach GitHub as it.
RUNNER_VARIABLES = ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_TOKEN")


@dataclass
class Grading:
    """How a grading child process ended: its results (the grader's results.json) or why there are none."""

    results: dict | None
    output: str
    problem: str = ""
    report: bytes = b""  # report.html


def settings(bundle: Path) -> dict:
    """The bundle's ``grading.json``: points_scale, time_limit_s, public (see ``grader.release``)."""
    return json.loads((bundle / SETTINGS_FILE).read_text(encoding="utf-8"))


def ensure_dependencies(requirements: Path) -> str:
    """Install the grader's dependencies unless they import already; "" or why they could not be installed."""
    modules = [
        re.split(r"[<>=!~\[;\s]", line.strip(), maxsplit=1)[0].lower().replace("-", "_")
        for line in requirements.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    probe = [sys.executable, "-c", f"import {', '.join(modules)}"]
    if subprocess.run(probe, capture_output=True, timeout=120).returncode == 0:
        return ""
    install = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        str(requirements),
    ]
    failures = []
    for extra in ([], ["--user"], ["--break-system-packages"]):  # a plain Python, then a managed one
        done = subprocess.run(install + extra, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if done.returncode == 0:
            return ""
        failures.append(done.stderr.strip()[-500:])
    return "pip could not install the grader's dependencies: " + failures[-1]


def grade(engine: Path, submission: Path, *, public: bool, time_limit_s: float) -> Grading:
    """Grade ``submission`` with the grader in ``engine``, in a child process stopped after ``time_limit_s``."""
    env = {k: v for k, v in os.environ.items() if k not in RUNNER_VARIABLES and not k.startswith("ACTIONS_")}
    env.pop("GRADER_REFERENCE_DIR", None)  # the engine's own reference, if it has one
    env["PYTHONPATH"] = str(engine)
    with tempfile.TemporaryDirectory(prefix="grading-") as scratch:
        out, env["TMPDIR"] = Path(scratch) / "out", str(Path(scratch) / "tmp")  # a stopped grader leaves nothing
        Path(env["TMPDIR"]).mkdir()
        command = [sys.executable, "-m", "grader", "grade", str(submission), "--out", str(out)]
        child = subprocess.Popen(
            command + (["--public"] if public else []),
            cwd=engine,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        try:
            output, _ = child.communicate(timeout=time_limit_s)
            late = ""
        except subprocess.TimeoutExpired:
            output, late = "", f"grading took longer than its limit of {time_limit_s:g} s and was stopped"
        printed = _kill(child)  # anything left in its session (its workers end with it)
        if late:
            return Grading(None, printed, late)  # a retried communicate loses no output
        results, report = out / "results.json", out / "report.html"
        if child.returncode not in (0, GRADED_NOT_FINAL) or not results.is_file() or not report.is_file():
            return Grading(None, output, f"the grader failed (exit status {child.returncode})")
        return Grading(json.loads(results.read_text(encoding="utf-8")), output, report=report.read_bytes())


def _kill(child: subprocess.Popen) -> str:
    """Kill ``child``'s session and wait for it; what it printed."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    output, _ = child.communicate()
    return output or ""


def classroom50_autograde(bundle: Path, checkout: Path) -> int:
    """Classroom 50's entry point: grade the checkout; write the report, release-body.md, then result.json last.

    Exit status 0 when grading ran (whatever the score, and also when the grader failed on some
    checks: the result then marks them, their points undecided, and a warning names them); 1 when
    it could not, which Classroom 50 records as an error, with no result published.
    """
    from grader.exporters.classroom50 import OUTPUT_FILES, REPORT_FILE, write_classroom50
    from grader.files import write_atomically

    for name in OUTPUT_FILES:  # a student's own copy must never be taken for the autograder's
        _remove(checkout / name)
    grading = graded(bundle, checkout, "::error::autograder: ")  # an annotation on the run's page
    if grading is None:
        return 1
    from grader.model import GradeResult

    write_atomically(checkout / REPORT_FILE, grading.report)  # a Release asset if the assignment lists it
    result = GradeResult.from_dict(grading.results)
    write_classroom50(result, checkout, os.environ, settings(bundle)["points_scale"])
    warn_if_not_final(result, "::warning::autograder: ")
    return 0


def codio_autograde(bundle: Path, workspace: Path) -> int:
    """Codio's entry point: grade the workspace and send the percentage and the feedback to Codio.

    Exit status 0 once Codio accepted the grade (a grade with undecided checks too: its feedback
    says it is not final); 1 when grading or sending failed (Codio then records the failure; for
    assignment-level scripts it also emails the instructors the output).
    """
    from grader.exporters.codio import CodioError, send_to_codio

    grading = graded(bundle, workspace, "autograde: ")
    if grading is None:
        return 1
    from grader.model import GradeResult

    result = GradeResult.from_dict(grading.results)
    try:
        print(send_to_codio(result, os.environ))
    except CodioError as error:
        print(f"autograde: {error}", file=sys.stderr)
        return 1
    warn_if_not_final(result, "autograde: ")
    return 0


def warn_if_not_final(result, prefix: str) -> None:
    """Tell the instructor, on stderr after ``prefix``, that the published grade leaves undecided checks out."""
    if result.undecided_checks:
        print(
            f"{prefix}the grade was published, but it is not final: the grader failed on "
            f"{', '.join(result.undecided_checks)} (see the output above); those points are undecided.",
            file=sys.stderr,
        )


def graded(bundle: Path, submission: Path, error_prefix: str) -> Grading | None:
    """Grade ``submission`` as the bundle's settings say, printing the grader's output.

    Returns the finished grading, or None when there is none (why is printed on stderr after
    ``error_prefix``): the dependencies would not install, or grading failed or ran out of time.
    """
    config = settings(bundle)
    problem = ensure_dependencies(bundle / REQUIREMENTS_FILE)
    if problem:
        grading = Grading(None, "", problem)
    else:
        limit = config["time_limit_s"]
        grading = grade(bundle / ENGINE_DIR, submission.resolve(), public=config["public"], time_limit_s=limit)
    print(grading.output, end="")
    if grading.results is None:
        print(f"{error_prefix}{grading.problem}", file=sys.stderr)
        return None
    return grading


def _remove(path: Path) -> None:
    """Remove a file, a link or a folder at ``path``, whatever it is."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
