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

Where a test demonstrates a weakness of the current grader, the weakness is asserted with
``gap(...)``, which raises ``GapStillOpen``; such tests are marked
``xfail(strict=True, raises=GapStillOpen)``, so any other failed assertion (a leftover process,
a wrong score) still fails the test, and closing the gap makes the test XPASS, which fails the
run until the mark is removed. Each gap is listed in SECURITY.md under "Known gaps".

Isolation: tests that take the ``isolation`` fixture run once per mode ("bubblewrap", "process");
the bubblewrap run is skipped, with the reason, where ``bwrap`` cannot create namespaces.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import sandbox
from grader.course import EXERCISES
from grader.model import ExerciseResult, GradeResult
from grader.sandbox import isolation_mode, tagged_processes

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
# Scores of exercise 2 when only one function misbehaves without killing its process.
WITHOUT_GRAD_F = 6.0  # checks a and b lost
WITHOUT_TANGENT = 7.0  # check c lost
WITHOUT_DESCENT = 7.0  # check d lost
# ... and when one hangs or kills its process: the checks that ran before keep their points.
STOPPED_AT_GRAD_F = 0.0
STOPPED_AT_TANGENT = 4.0
STOPPED_AT_DESCENT = 7.0

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


def known_gap(reason: str, condition: bool = True):
    """The mark of a test that demonstrates a known gap (see the module docstring)."""
    return pytest.mark.xfail(condition, reason=reason, raises=GapStillOpen, strict=True)


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


def namespaces_only(mode: str, what: str) -> None:
    """Skip, with a visible reason, an expectation that only namespaces can meet."""
    if mode != "bubblewrap":
        pytest.skip(f"process isolation cannot {what} (documented in SECURITY.md); scoring checked elsewhere")


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
    (default: full marks); ``replace`` replaces other exercises' sources too. Returns a Graded.
    """
    private = tmp_path / "grader-tmp"  # the grader's own temporary folders go here, not to /tmp
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    # Warm-up: the first grading in a process imports pytest's plugins, the checks and the
    # report machinery; that is not memory the learner made the grader spend.
    _warm_up(grade, make_folder)
    tokens: list[str] = []
    original_init = sandbox.Worker.__init__

    def spying_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        tokens.append(self.token)

    monkeypatch.setattr(sandbox.Worker, "__init__", spying_init)

    def run(
        source: str,
        *,
        score: float,
        status: str | tuple[str, ...],
        timeout: float = 2.0,
        others: dict[str, float] | None = None,
        replace: dict[str, str] | None = None,
        folder: Path | None = None,
    ) -> Graded:
        if folder is None:
            folder = make_folder({TARGET: source, **(replace or {})})
        before = snapshot(folder)
        out = tmp_path / "out"
        measured = reset_peak_memory()
        baseline = peak_memory_bytes()
        result = grade(folder, timeout=timeout, out_dir=out)
        growth = peak_memory_bytes() - baseline if measured else 0
        graded = Graded(result, folder, out, list(tokens), growth)
        tokens.clear()

        # Nothing left running.
        assert graded.tokens, "the grading started no worker?"
        for token in graded.tokens:
            assert tagged_processes(token) == [], f"processes of worker {token} outlived the grading"
        # The exact score of every exercise.
        expected = {e.id: e.max_score for e in result.exercises}
        expected.update(others or {})
        expected[TARGET] = score
        got = {e.id: e.score for e in result.exercises}
        assert got == expected, {
            e.id: (e.status, e.message[:300]) for e in result.exercises if got[e.id] != expected[e.id]
        }
        statuses = status if isinstance(status, tuple) else (status,)
        assert graded.target.status in statuses, graded.target.message
        # Nothing written where it should not be.
        assert snapshot(folder) == before, "the submission folder changed"
        assert list(private.iterdir()) == [], "the grader's temporary folder was not cleaned up"
        assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.json"]
        assert json.loads((out / "results.json").read_text())["score"] == result.score
        # The grader's own memory.
        assert growth < GRADER_MEMORY_BUDGET, f"the grader's peak memory grew by {growth >> 20} MiB"
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
    "known_gap",
    "namespaces_only",
    "processes_with_marker",
]
