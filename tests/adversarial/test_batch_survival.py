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
import dataclasses
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
from grader.isolation import cgroup, landlock, sandbox
from grader.isolation.sandbox import RUN_ID, Limits, tagged_processes
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
    if cgroup.available()[0]:
        left = [p for root in cgroup.worker_roots() for p in root.glob(f"grader-{RUN_ID}-*")]
        assert left == [], f"cgroups of the batch's workers are left: {left}"


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


# Learner code that finds the grading process (the worker's parent) and kills it, then fails
# to define anything. Under bubblewrap the grading process is outside the sandbox's PID
# namespace, and a worker running as another user may not signal it: the kill reaches no one
# and the student only loses exercise 2.
KILL_THE_GRADER = """
import os

def _parent_of(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])

_grader = os.getppid()
while _grader > 1 and b"worker.py" in open(f"/proc/{_grader}/cmdline", "rb").read():
    _grader = _parent_of(_grader)  # up through the worker's own processes
if _grader not in (0, 1, TEST_PROCESS):
    os.kill(_grader, 9)
raise RuntimeError("nothing here")
"""


@pytest.mark.parametrize("same_user", [False, True], ids=["worker-user", "graders-user-unconfined"])
def test_learner_code_that_kills_its_grading_process_stops_only_its_own_grading(
    isolation, tmp_path, private_tmp, monkeypatch, same_user
):
    """Where learner code runs as the grader's user (process mode, a grader that is not root, or
    root without a worker user) and unconfined (a kernel without Landlock) it can kill its grading
    process; elsewhere the kill reaches no one."""
    if same_user:
        if isolation != "process":
            pytest.skip("the worker's user is chosen in process mode only")
        own = dataclasses.replace(sandbox.worker_identity(), uid=os.geteuid(), gid=os.getegid())
        monkeypatch.setattr(sandbox, "worker_identity", lambda: own)
        monkeypatch.setattr(sandbox, "landlock_abi", lambda: 0)
    unconfined = sandbox.landlock_abi() < landlock.SIGNAL_ABI
    can_kill = isolation == "process" and not sandbox.worker_identity().dropped and unconfined
    source = KILL_THE_GRADER.replace("TEST_PROCESS", str(os.getpid()))
    folder = make_class(tmp_path, {"ada": None, "killer": source, "zed": None})
    out = tmp_path / "out"
    for run in ("first", "again"):  # the rerun completes too, reusing the students graded
        result = grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())
        outcomes = {o.student: o for o in result.students}
        assert {s: outcomes[s].result.score for s in ("ada", "zed")} == {"ada": 100, "zed": 100}, run
        killer = outcomes["killer"]
        if can_kill:
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


@pytest.mark.skipif(not cgroup.available()[0], reason="the grader cannot create cgroups here")
def test_empty_worker_cgroups_of_a_killed_run_are_removed():
    """What a killed batch leaves in the cgroup tree: empty worker cgroups, removed once old enough."""
    name = f"grader-stale-{os.getpid()}"
    made = [root / name for root in cgroup.worker_roots()]
    for path in made:
        path.mkdir()
    try:
        cgroup.remove_empty(name, min_age_s=3600)  # too young: a worker may be about to enter it
        assert all(path.is_dir() for path in made)
        cgroup.remove_empty(name, min_age_s=0)
        assert not any(path.exists() for path in made)
    finally:
        for path in made:
            if path.exists():
                path.rmdir()


# Learner code that takes over its worker's pipes: it serves its own exercises, then answers the
# grader's "reset" as a fresh worker would, and every later request (a classmate's) with zeros.
TAKE_OVER_THE_WORKER = """
import builtins as _b, os as _os, sys as _s
def _take_over():
    frame = _s._getframe()
    while not (isinstance(frame.f_locals.get("request"), dict) and frame.f_locals["request"].get("op") == "open"):
        frame = frame.f_back
    worker, request, classmates = frame.f_globals, frame.f_locals["request"], False
    _b._taken = True
    while True:
        op = request.get("op")
        if op == "open" and not classmates:
            pid = _os.fork()
            if pid == 0:
                worker["_EXERCISE_PID"].clear()
                worker["serve_exercise"](request)
                _os._exit(0)
            _os.waitpid(pid, 0)
            worker["send"]({"id": request["id"], "ended": True, "normal": True, "how": "exited with status 0"})
        elif op == "open":
            worker["send"]({"id": request["id"], "ok": True, "errors": [], "dropped_output": 0})
            while (call := worker["receive"]()).get("op") == "call":
                zeros = [{"ok": True, "value": 0.0, "mutated": []}] * len(call["args_list"])
                worker["send"]({"id": call["id"], "results": zeros, "dropped_output": 0})
            worker["send"]({"id": request["id"], "ended": True, "normal": True, "how": "exited with status 0"})
        elif op == "reset":
            classmates = True
            worker["send"]({"id": request["id"], "ok": True, "fresh": True, "why": "", "leftovers": []})
        else:
            _os._exit(0)
        request = worker["receive"]()
if not getattr(_b, "_taken", False):
    _take_over()
"""


def test_learner_code_that_takes_over_its_worker_never_answers_for_the_next_student(isolation, tmp_path):
    """Only the worker's own first process may say a space is fresh, on a pipe no learner code holds."""
    ex02 = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text() + TAKE_OVER_THE_WORKER
    folder = make_class(tmp_path, {"aaa-hostile": ex02, "bob": None, "carol": None})
    out = tmp_path / "out"
    grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())  # one process, in turn
    rows = gradebook(out)
    assert rows["bob"]["total"] == rows["carol"]["total"] == "100", rows
    assert tagged_processes() == []


# Learner code that, as its last exercise closes, forges that exercise's end and leaves garbage on
# the reply pipe for whoever reads it next.
LEAVE_BYTES_FOR_THE_NEXT_STUDENT = """
import __main__ as _worker, sys as _sys, os as _os
_frame = _sys._getframe()
while _frame.f_locals.get("request", {}).get("op") != "open":
    _frame = _frame.f_back
_open_id, _receive = _frame.f_locals["request"]["id"], _worker.receive
def _receive_and_leave_bytes():
    request = _receive()
    if request.get("op") == "close":
        _worker.send({"id": _open_id, "ended": True, "normal": True, "how": "exited with status 0"})
        _os.write(_worker.REPLY_FD, b"this is not a frame" * 100)
    return request
_worker.receive = _receive_and_leave_bytes
"""


def test_bytes_a_student_leaves_on_the_reply_pipe_never_reach_the_next_student(isolation, tmp_path):
    folder = make_class(tmp_path, {"aaa-hostile": None, "bob": None})
    last = folder / "aaa-hostile" / "ex10_fgsm.py"
    last.write_text(last.read_text() + LEAVE_BYTES_FOR_THE_NEXT_STUDENT)
    out = tmp_path / "out"
    grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())
    assert gradebook(out)["bob"]["total"] == "100"
