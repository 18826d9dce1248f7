"""A batch survives anything one student does, even the death of the process grading them.

In process mode learner code runs as the grader's user and can kill the grading process that
started its worker; a grading process may also die for reasons of its own (the kernel's OOM
killer, a bug). The batch replaces a dead grading process, grades the student once more in a
fresh one, and if that one dies too gives the student the status "grader error: grading process
killed"; every other student is graded, and the gradebook and dashboard are always written. The
dead process's temporary folder, workers and cgroups are removed.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest

from grader import batch, leftovers
from grader.batch import PROCESS_KILLED, grade_class
from grader.course import REFERENCE_DIR
from grader.isolation.sandbox import Limits, tagged_processes, worker_identity
from grader.progress import Progress


def quiet() -> Progress:
    return Progress(0, stream=io.StringIO())


def make_class(root: Path, students: dict[str, str | None]) -> Path:
    """Reference folders, one per student; a given source replaces that student's ex02."""
    folder = root / "class"
    folder.mkdir()
    for student, ex02 in students.items():
        shutil.copytree(REFERENCE_DIR, folder / student, ignore=shutil.ignore_patterns("__pycache__"))
        if ex02 is not None:
            (folder / student / "ex02_gradient_geometry.py").write_text(ex02)
    return folder


def gradebook(out: Path) -> dict[str, dict]:
    return {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}


def nothing_left(private: Path) -> None:
    assert tagged_processes() == [], "a worker of the batch is still running"
    assert list(private.glob(leftovers.PREFIX + "*")) == [], "a grading process's folder is left"


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The batch's temporary folders go here, where the test can see every one of them."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    return private


def test_a_grading_process_that_dies_is_replaced_and_the_batch_completes(isolation, tmp_path, monkeypatch, private_tmp):
    """Grading "crasher" kills its grading process every time, "flaky" the first time only."""
    folder = make_class(tmp_path, {"ada": None, "crasher": None, "flaky": None, "zed": None})
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    grade_task = batch.grade_task

    def dying(task, *args, **kwargs):
        (attempts / f"{task.student}-{os.getpid()}").touch()
        if task.student == "crasher" or (task.student == "flaky" and len(list(attempts.glob("flaky-*"))) == 1):
            os.kill(os.getpid(), signal.SIGKILL)
        return grade_task(task, *args, **kwargs)

    monkeypatch.setattr(batch, "grade_task", dying)
    out = tmp_path / "out"
    result = grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())

    outcomes = {o.student: o for o in result.students}
    assert outcomes["crasher"].status == "error" and outcomes["crasher"].message == PROCESS_KILLED
    assert len(list(attempts.glob("crasher-*"))) == 2, "graded once more, in a fresh process"
    assert {s: outcomes[s].result.score for s in ("ada", "flaky", "zed")} == {"ada": 100, "flaky": 100, "zed": 100}
    rows = gradebook(out)
    assert rows["crasher"]["status"] == f"grader error: {PROCESS_KILLED}" and rows["crasher"]["total"] == ""
    assert rows["zed"]["status"] == "graded" and rows["zed"]["total"] == "100"
    assert (out / "index.html").is_file() and "crasher" in (out / "index.html").read_text()
    nothing_left(private_tmp)


# Learner code that finds the grading process (its worker's parent) and kills it, then fails
# to define anything. Under bubblewrap the grading process is outside the sandbox's PID
# namespace, and in process mode as root learner code runs as another user: the kill reaches
# no one and the student only loses exercise 2.
KILL_THE_GRADER = """
import os

def _parent_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])

_grader = _parent_of(os.getppid())
if _grader not in (0, 1, TEST_PROCESS):
    os.kill(_grader, 9)
raise RuntimeError("nothing here")
"""


def test_learner_code_that_kills_its_grading_process_stops_only_its_own_grading(isolation, tmp_path, private_tmp):
    source = KILL_THE_GRADER.replace("TEST_PROCESS", str(os.getpid()))
    folder = make_class(tmp_path, {"ada": None, "killer": source, "zed": None})
    out = tmp_path / "out"
    for run in ("first", "again"):  # the rerun completes too, reusing the students graded
        result = grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())
        outcomes = {o.student: o for o in result.students}
        assert {s: outcomes[s].result.score for s in ("ada", "zed")} == {"ada": 100, "zed": 100}, run
        killer = outcomes["killer"]
        if isolation == "process" and not worker_identity().dropped:  # same user: the kill reaches the grader
            assert killer.status == "error" and killer.message == PROCESS_KILLED, (run, killer.status, killer.message)
            assert gradebook(out)["killer"]["status"] == f"grader error: {PROCESS_KILLED}"
        else:
            scores = {e.id: e.score for e in killer.result.exercises}
            assert scores.pop("ex02") == 0 and set(scores.values()) == {10}, (run, scores)
        assert (out / "index.html").is_file() and (out / "gradebook.csv").is_file()
        nothing_left(private_tmp)
    assert outcomes["ada"].status == "reused"


def test_the_next_batch_removes_what_a_killed_batch_left(isolation, tmp_path, private_tmp):
    """A batch killed outright leaves its grading processes' folders (read-only parts included)."""
    dead_batch = 2**22 + 12345  # beyond the default pid_max: no process has this id
    assert not os.path.exists(f"/proc/{dead_batch}")
    stale = private_tmp / f"{leftovers.PREFIX}{dead_batch}-x1"
    (stale / "grader-abc" / "scratch" / "planted").mkdir(parents=True)
    (stale / "grader-abc" / "scratch" / "planted" / "ex02_gradient_geometry.py").write_text("x = 1\n")
    (stale / "grader-abc" / "scratch" / "planted").chmod(0o555)
    live = private_tmp / f"{leftovers.PREFIX}{os.getpid()}-x2"  # a batch still running: left alone
    live.mkdir()
    folder = make_class(tmp_path, {"ada": None})
    result = grade_class(folder, tmp_path / "out", jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())
    assert result.students[0].result.score == 100
    assert not stale.exists(), "the folder of a killed batch is still there"
    assert live.is_dir()
    live.rmdir()
