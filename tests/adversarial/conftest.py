"""The adversarial suite's harness: grade one hostile submission and prove that nothing escaped.

Every test builds a folder submission whose exercise 2 (``ex02_gradient_geometry``) is hostile
or broken and whose nine other exercises are the reference, grades it with a short time limit,
and then checks, besides the exact score of every exercise:

- no process started for the grading is still running (``tagged_processes(token)`` for every
  worker the grading started; tokens are collected by spying on ``Worker.__init__`` so that other
  gradings running on the same machine at the same time cannot make the check flaky);
- the grader's private temporary folder (scratch copy and output file) is gone, the submission
  folder is byte for byte what it was, and the output folder holds exactly results.json and
  report.html, the former agreeing with the returned result;
- the grader process's peak memory grew by less than ``GRADER_MEMORY_BUDGET`` while grading.

Over the whole package, ``nothing_left_after_the_suite`` records every worker started (also by
tests that grade without the harness) and checks at the end that none of their processes is left
and that this process's resident memory grew by less than ``SUITE_MEMORY_BUDGET``. Attacks on
the grader process itself grade in a subprocess (``grade_in_subprocess``).

Where a test demonstrates a weakness of the current grader, the weakness is asserted with
``gap(...)``, which raises ``GapStillOpen``; such tests are marked
``xfail(strict=True, raises=GapStillOpen)``, so any other failed assertion (a leftover process,
a wrong score) still fails the test, and closing the gap makes the test XPASS, which fails the
run until the mark is removed. Each gap is listed in SECURITY.md under "Known gaps".

Isolation: tests that take the ``isolation`` fixture run once per mode ("bubblewrap", "process");
the bubblewrap run is skipped, with the reason, where ``bwrap`` cannot create namespaces.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.course import EXERCISES, PROJECT_DIR
from grader.isolation import landlock, sandbox
from grader.isolation.sandbox import Limits, isolation_mode, kill_tagged_processes, tagged_processes
from grader.model import ExerciseResult, GradeResult

TARGET = "ex02"
GRADER_MEMORY_BUDGET = 768 << 20  # bytes of peak RSS growth allowed while grading one submission

# Exercise 2, solved, with its three functions independent of each other, so that a hostile
# definition of one of them (appended after this text, which overrides it) costs only that
# function's checks. Checks, in the order they run: a grad_f (3 points), b grad_f against finite
# differences (1), c level_curve_tangent (3), d steepest_descent_dir (3).
SOLUTION = """\
import numpy as np


def _gradient(x, y):
    x, y = float(x), float(y)
    return np.array([2.0 * x + y, x + 2.0 * y])


def grad_f(x, y):
    return _gradient(x, y)


def level_curve_tangent(x, y):
    g = _gradient(x, y)
    return np.array([-g[1], g[0]]) / np.linalg.norm(g)


def steepest_descent_dir(x, y):
    g = _gradient(x, y)
    return -g / np.linalg.norm(g)
"""
# Score of exercise 2 when grad_f alone misbehaves without killing its process: a and b lost.
WITHOUT_GRAD_F = 6.0
# ... and when a function runs out of time or ends its process (a crash, os._exit): its checks are
# lost, the others run in a fresh process (the solution's other functions compute the gradient
# themselves).
ENDED_IN_GRAD_F = WITHOUT_GRAD_F
ENDED_IN_TANGENT = 7.0
ENDED_IN_DESCENT = 7.0
# ... and when the exercise stops with no fresh start (its loading hangs, the channel is garbled):
# the checks that ran before keep their points.
STOPPED_AT_GRAD_F = 0.0

# Wrong answers of the right type and shape: a module that "solves" nothing.
ZEROS = """\
import numpy as np


def grad_f(x, y):
    return np.zeros(2)


def level_curve_tangent(x, y):
    return np.zeros(2)


def steepest_descent_dir(x, y):
    return np.zeros(2)
"""


class GapStillOpen(AssertionError):
    """A weakness of the grader that SECURITY.md lists under Known gaps is still there."""


def gap(closed: bool, message: str) -> None:
    """Assert that a known gap is closed; raises GapStillOpen while it is not."""
    if not closed:
        raise GapStillOpen(message)


# What process mode's confinement (Landlock, grader/isolation/landlock.py) covers on this machine:
# files (reads and writes), then TCP, then signals, by the kernel's Landlock version.
CONFINED = sandbox.landlock_abi() >= 1
NETWORK_CONFINED = sandbox.landlock_abi() >= landlock.NETWORK_ABI
SIGNALS_CONFINED = sandbox.landlock_abi() >= landlock.SIGNAL_ABI
FILTERED = sandbox.seccomp_filter()  # process mode's seccomp filter (grader/isolation/seccomp.py)


def known_gap(reason: str, condition: bool = True, race: bool = False):
    """The mark of a test that demonstrates a known gap (see the module docstring).

    ``race``: the gap is a race that the grader sometimes wins, so the test may pass while it is
    open (not strict); every other failed assertion still fails it.
    """
    return pytest.mark.xfail(condition, reason=reason, raises=GapStillOpen, strict=not race)


@contextlib.contextmanager
def recording(*servers: socket.socket):
    """Accept connections on the listening ``servers`` in the background; yields what each sent (b"" if nothing).

    The servers are closed on leaving.
    """
    received: list[bytes] = []
    stop = threading.Event()

    def serve(server: socket.socket) -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:  # the accept timed out: look at stop again
                continue
            with connection:
                connection.settimeout(2)
                try:
                    received.append(connection.recv(1024))
                except OSError:
                    received.append(b"")

    threads = [threading.Thread(target=serve, args=(server,), daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield received
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for server in servers:
            server.close()


# ------------------------------------------------------------------ isolation modes


@pytest.fixture(params=["bubblewrap", "process"])
def isolation(request, monkeypatch):
    """Run the test once per isolation mode; yields the mode in force."""
    if request.param == "process":
        monkeypatch.setenv("GRADER_ISOLATION", "process")
    else:
        monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    isolation_mode.cache_clear()
    mode, reason = isolation_mode()
    if mode != request.param:
        isolation_mode.cache_clear()
        pytest.skip(f"bubblewrap isolation is not available on this machine: {reason}")
    yield mode
    isolation_mode.cache_clear()  # the environment is restored after this; the next call re-probes


# ------------------------------------------------------------------ measurements


def _status_kib(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def reset_peak_memory() -> bool:
    """Reset this process's peak RSS (VmHWM); False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_bytes() -> int:
    return _status_kib("VmHWM") << 10


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes (symlinks by their target)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        relative = str(path.relative_to(folder))
        if path.is_symlink():
            files[relative] = "-> " + os.readlink(path)
        elif path.is_file():
            files[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            files[relative] = "dir" if path.is_dir() else "other"
    return files


def processes_with_marker(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (for escapees that dropped their token)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in Path(f"/proc/{entry.name}/cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


# ------------------------------------------------------------------ grading in another process

GRADE_IN_A_SUBPROCESS = """
import json, sys
from grader.isolation import landlock, sandbox
from grader.grade import grade_submission
original = sandbox.Worker.__init__
def spy(self, *args, **kwargs):
    original(self, *args, **kwargs)
    with open(sys.argv[2], "a") as tokens:
        tokens.write(self.token + "\\n")
sandbox.Worker.__init__ = spy
result = grade_submission(sys.argv[1], limits=sandbox.Limits(timeout_s=2.0))
print(json.dumps({"scores": {e.id: e.score for e in result.exercises}, "output": result.exercises[1].output}))
"""


@dataclass
class Subprocess:
    returncode: int
    stderr: str
    scores: dict[str, float] | None
    output: str  # what exercise 2 printed
    leftovers: list[int]  # processes of its workers still running 5 s after it ended (then killed)


def grade_in_subprocess(folder: Path, tmp_path: Path, env: dict[str, str] | None = None) -> Subprocess:
    """Grade ``folder`` in a fresh Python process (for attacks on the grader process itself)."""
    tokens_file = tmp_path / "subprocess-tokens"
    tokens_file.write_text("")
    try:
        done = subprocess.run(
            [sys.executable, "-c", GRADE_IN_A_SUBPROCESS, str(folder), str(tokens_file)],
            cwd=PROJECT_DIR,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        leftovers = _stop_workers(tokens_file.read_text().split())
    report = json.loads(done.stdout.splitlines()[-1]) if done.returncode == 0 else {}
    return Subprocess(done.returncode, done.stderr[-2000:], report.get("scores"), report.get("output", ""), leftovers)


def _stop_workers(tokens: list[str], patience: float = 5.0) -> list[int]:
    """Processes of these workers still running after ``patience`` seconds; they are then killed."""
    deadline = time.monotonic() + patience
    while True:
        left = [pid for token in tokens for pid in tagged_processes(token)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for token in tokens:
        kill_tagged_processes(token)
        _remove_cgroups(f"grader-{token}")
    return left


def _remove_cgroups(name: str) -> None:
    """Remove the (empty) cgroups of a worker whose grader was killed before it could."""
    root = Path("/sys/fs/cgroup")
    if not root.is_dir():
        return
    for path in sorted(root.rglob(name), reverse=True):
        try:
            path.rmdir()
        except OSError:
            pass


# ------------------------------------------------------------------ the whole suite

ALL_TOKENS: list[str] = []  # the token of every worker started while this package's tests ran
SUITE_MEMORY_BUDGET = 1 << 30  # growth of this process's resident memory over the whole package


@pytest.fixture(scope="package", autouse=True)
def nothing_left_after_the_suite():
    """Record every worker the suite starts; at the end, none of their processes may be left."""
    original_init = sandbox.Worker.__init__

    def spying_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        ALL_TOKENS.append(self.token)

    resident_before = _status_kib("VmRSS") << 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandbox.Worker, "__init__", spying_init)
        yield
    left = {token: tagged_processes(token) for token in ALL_TOKENS}
    assert not {token: pids for token, pids in left.items() if pids}, "workers' processes outlived the suite"
    growth = (_status_kib("VmRSS") << 10) - resident_before
    assert growth < SUITE_MEMORY_BUDGET, f"the grader's process grew by {growth >> 20} MiB over the suite"


@pytest.fixture
def tmp_marker():
    """A unique name for files learner code creates in /tmp or /dev/shm; any left there are removed."""
    marker = f"grader-adversarial-{uuid.uuid4().hex}"
    yield marker
    for folder in ("/tmp", "/dev/shm"):
        for path in Path(folder).glob(marker + "*"):
            path.unlink()


# ------------------------------------------------------------------ the harness


@dataclass
class Graded:
    result: GradeResult
    folder: Path
    out: Path
    tokens: list[str]
    peak_growth: int

    @property
    def target(self) -> ExerciseResult:
        return self.exercise(TARGET)

    def exercise(self, exercise_id: str) -> ExerciseResult:
        return next(e for e in self.result.exercises if e.id == exercise_id)

    @property
    def report(self) -> str:
        return (self.out / "report.html").read_text()


@pytest.fixture
def hostile(make_folder, grade, tmp_path, monkeypatch):
    """``hostile(source, score=..., status=...)``: grade exercise 2 = ``source``; check everything.

    ``score`` and ``status`` are exercise 2's exact expected score and status (``status`` may be
    a tuple of acceptable statuses); ``others`` overrides the expected score of other exercises
    (default: full marks); ``replace`` replaces other exercises' sources too; ``folder`` grades a
    ready-made folder instead. With ``score_gap``, a wrong score (or exercise 2's wrong status)
    raises GapStillOpen with that text instead (for tests marked ``known_gap``); ``writes_gap``
    does the same for files written into the submission or output folder, ``memory_gap`` for the
    grader's memory; ``limits`` replaces
    the default ``Limits(timeout_s=timeout)``. Returns a Graded.
    """
    private = tmp_path / "grader-tmp"  # the grader's own temporary folders go here, not to /tmp
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    # Warm-up: the first grading in a process imports pytest's plugins, the checks and the
    # report machinery; that is not memory the learner made the grader spend.
    _warm_up(grade, make_folder)

    def run(
        source: str,
        *,
        score: float,
        status: str | tuple[str, ...],
        timeout: float = 2.0,
        others: dict[str, float] | None = None,
        replace: dict[str, str] | None = None,
        folder: Path | None = None,
        score_gap: str | None = None,
        writes_gap: str | None = None,
        memory_gap: str | None = None,
        limits: Limits | None = None,
    ) -> Graded:
        if folder is None:
            folder = make_folder({TARGET: source, **(replace or {})})
        before = snapshot(folder)
        out = tmp_path / "out"
        measured = reset_peak_memory()
        baseline = peak_memory_bytes()
        first_worker = len(ALL_TOKENS)
        result = grade(folder, limits=limits or Limits(timeout_s=timeout), out_dir=out)
        growth = peak_memory_bytes() - baseline if measured else 0
        graded = Graded(result, folder, out, ALL_TOKENS[first_worker:], growth)

        gaps = []  # known gaps found open: raised after every other check has passed
        # Nothing left running.
        assert graded.tokens, "the grading started no worker?"
        for token in graded.tokens:
            assert tagged_processes(token) == [], f"processes of worker {token} outlived the grading"
        # Nothing written where it should not be.
        assert list(private.iterdir()) == [], "the grader's temporary folder was not cleaned up"
        outputs = sorted(p.name for p in out.iterdir())
        written = snapshot(folder) != before or outputs != ["report.html", "results.json"]
        if writes_gap and written:
            gaps.append(f"{writes_gap}: the submission or output folder changed (output folder: {outputs})")
        else:
            assert snapshot(folder) == before, "the submission folder changed"
            assert outputs == ["report.html", "results.json"]
        assert json.loads((out / "results.json").read_text())["score"] == result.score
        # The outputs within their bounds (SECURITY.md), whatever the learner's code sent.
        assert (out / "results.json").stat().st_size < 1 << 20, "results.json over 1 MiB"
        assert (out / "report.html").stat().st_size < 2 << 20, "report.html over 2 MiB"
        # The grader's own memory.
        if memory_gap and growth >= GRADER_MEMORY_BUDGET:
            gaps.append(f"{memory_gap}: the grader's peak memory grew by {growth >> 20} MiB")
        else:
            assert growth < GRADER_MEMORY_BUDGET, f"the grader's peak memory grew by {growth >> 20} MiB"
        # The exact score of every exercise: full marks for all but the hostile one.
        expected = {e.id: e.max_score for e in result.exercises}
        expected.update(others or {})
        got = {e.id: e.score for e in result.exercises}
        wrong = {e.id: (e.score, e.status, e.message[:300]) for e in result.exercises if got[e.id] != expected[e.id]}
        statuses = status if isinstance(status, tuple) else (status,)
        target = graded.target
        if score_gap and (set(wrong) - {TARGET} or target.score != score or target.status not in statuses):
            wrong[TARGET] = (target.score, target.status, target.message[:300])
            gaps.append(f"{score_gap}: {wrong}")
        else:
            assert set(wrong) <= {TARGET}, wrong
            assert target.score == score, (target.score, target.status, target.message)
            assert target.status in statuses, (target.status, target.message)
        if gaps:
            raise GapStillOpen("; ".join(gaps))
        return graded

    return run


_warmed_up = False


def _warm_up(grade, make_folder) -> None:
    global _warmed_up
    if not _warmed_up:
        _warmed_up = True
        grade(make_folder({}), timeout=5.0)


__all__ = [
    "EXERCISES",
    "SOLUTION",
    "TARGET",
    "ZEROS",
    "GapStillOpen",
    "Graded",
    "gap",
    "grade_in_subprocess",
    "known_gap",
    "processes_with_marker",
]
