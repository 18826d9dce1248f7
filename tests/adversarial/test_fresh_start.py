"""A fresh start: nothing one student's code leaves behind reaches the next student, or the next exercise.

A batch grades many students on one worker (``grader batch --jobs 1`` grades them in order on
one grading process). Student "a" plants something (bytecode for every module name, read-only
folders, SysV shared memory, processes that keep changing their PID); student "b", graded next,
is the reference with an exercise 2 that fails loudly at import if it finds any of it, so its
score says whether the plant survived. The same holds between two exercises of one student for
processes. Also here: what /dev holds, and which host user learner code runs as.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from grader.batch import grade_class
from grader.course import EXERCISES, REFERENCE_DIR
from grader.isolation import sandbox
from grader.isolation.sandbox import Limits, tagged_processes
from grader.model import ExerciseStatus
from grader.progress import Progress
from tests.adversarial.conftest import CONFINED, FILTERED, SOLUTION, gap, known_gap

MODULES = [e.module for e in EXERCISES]
TARGET_MODULE = "ex02_gradient_geometry"


def grade_in_order(tmp_path: Path, students: dict[str, dict[str, str]]) -> dict[str, dict[str, float]]:
    """Grade folder submissions (reference modules, some replaced) one after the other on one worker."""
    import io

    folder = tmp_path / "class"
    for student, replaced in students.items():
        (folder / student).mkdir(parents=True)
        for module in MODULES:
            target = folder / student / f"{module}.py"
            if module in replaced:
                target.write_text(replaced[module])
            else:
                shutil.copyfile(REFERENCE_DIR / f"{module}.py", target)
    result = grade_class(
        folder, tmp_path / "out", jobs=1, limits=Limits(timeout_s=5.0), progress=Progress(0, stream=io.StringIO())
    )
    assert tagged_processes() == []
    return {o.student: {e.id: e.score for e in o.result.exercises} for o in result.students}


def full_marks() -> dict[str, float]:
    return {e.id: 10.0 for e in EXERCISES}


# ------------------------------------------------------------------ bytecode

PLANT_BYTECODE = """
import os, py_compile, sys

# Bytecode for every module name, marked "unchecked": Python would load it without looking at
# the source. Then the folder is made read-only, so that emptying it fails.
os.makedirs("__pycache__", exist_ok=True)
source = os.path.join("__pycache__", "planted.py")
with open(source, "w") as planted:
    planted.write("raise RuntimeError('bytecode planted by the previous student ran')\\n")
for module in MODULES:
    target = os.path.join("__pycache__", module + "." + sys.implementation.cache_tag + ".pyc")
    py_compile.compile(source, cfile=target, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
try:
    os.chmod("__pycache__", 0o555)
except PermissionError:  # process mode's seccomp filter: the folder stays writable, the bytecode is there
    pass
"""


def test_bytecode_planted_by_one_student_never_runs_for_the_next(isolation, tmp_path):
    planter = f"MODULES = {MODULES!r}\n" + PLANT_BYTECODE + SOLUTION
    scores = grade_in_order(tmp_path, {"a-planter": {TARGET_MODULE: planter}, "b-victim": {}})
    assert scores["b-victim"] == full_marks()


def test_bytecode_planted_by_one_exercise_never_runs_for_the_next(isolation, hostile):
    """The same student's later exercises compile their own sources too (their modules unchanged)."""
    planter = f"MODULES = {MODULES!r}\n" + PLANT_BYTECODE + SOLUTION
    hostile(planter, score=10.0, status="passed")


# ------------------------------------------------------------------ leftovers

# What student "a" leaves, per place: code that plants it (MARKER is a unique name).
PLANT = {
    "working folder": "os.makedirs(MARKER + '/inner'); open(MARKER + '/inner/f', 'w').write('x');"
    " read_only(MARKER + '/inner'); read_only(MARKER)",
    "/tmp": "os.makedirs('/tmp/' + MARKER + '/inner'); read_only('/tmp/' + MARKER)",
    "/dev/shm": "os.makedirs('/dev/shm/' + MARKER + '/inner'); read_only('/dev/shm/' + MARKER)",
    "SysV shared memory": "assert shmget(KEY, 4096, 0o1666) >= 0, 'shmget failed'",
}
# ... and code that is true when it is still there, seen by student "b".
FIND = {
    "working folder": "os.path.exists(MARKER)",
    "/tmp": "os.path.exists('/tmp/' + MARKER)",
    "/dev/shm": "os.path.exists('/dev/shm/' + MARKER)",
    "SysV shared memory": "shmget(KEY, 0, 0) >= 0",
}
PRELUDE = """
import ctypes, os
MARKER = {marker!r}
KEY = {key}
shmget = ctypes.CDLL(None).shmget
shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]


def read_only(path):
    try:
        os.chmod(path, 0o555)
    except PermissionError:  # process mode's seccomp filter: the plant stays, writable
        pass
"""
PROCESS_SHARES_HOST_FOLDERS = "process isolation shares the host's /tmp and /dev/shm between students"
HOST_TMP = not sandbox.process_mode_namespaces()  # as root with a mount namespace: private, new per worker


@pytest.mark.parametrize(
    "isolation, place",
    [("bubblewrap", place) for place in PLANT]
    + [("process", "working folder"), ("process", "SysV shared memory")]
    + [
        pytest.param("process", place, marks=known_gap(PROCESS_SHARES_HOST_FOLDERS, HOST_TMP and not CONFINED))
        for place in ("/tmp", "/dev/shm")
    ],
    indirect=["isolation"],
)
def test_nothing_one_student_leaves_reaches_the_next(isolation, place, tmp_path):
    if isolation == "process" and place == "SysV shared memory" and not sandbox.worker_identity().dropped:
        if not FILTERED:
            pytest.skip("process mode without the seccomp filter makes a new IPC namespace only when root")
    marker = f"grader-leftover-{os.getpid()}-{time.monotonic_ns()}"
    prelude = PRELUDE.format(marker=marker, key=0x5EED0000 + os.getpid() % 0xFFFF)
    plant = prelude + PLANT[place] + "\n" + SOLUTION
    inspect = prelude + f"assert not ({FIND[place]}), 'left by the previous student: {place}'\n" + SOLUTION
    try:
        students = {"a-planter": {TARGET_MODULE: plant}, "b-inspector": {TARGET_MODULE: inspect}}
        scores = grade_in_order(tmp_path, students)
    finally:
        for folder in ("/tmp", "/dev/shm"):  # process mode: the host's own folders
            _remove(Path(folder) / marker)
    outside_its_copy = isolation == "process" and place in ("/tmp", "/dev/shm")
    # Confined learner code writes only its scratch copy and makes no SysV object: the plant is refused.
    refused = (outside_its_copy and CONFINED) or (isolation == "process" and place == "SysV shared memory" and FILTERED)
    if refused:
        assert scores["a-planter"]["ex02"] == 0
    else:
        assert scores["a-planter"] == full_marks()  # the plant worked without costing its author
    if outside_its_copy and HOST_TMP and not CONFINED:
        gap(scores["b-inspector"] == full_marks(), f"{place} leftovers reached the next student")
    assert scores["b-inspector"] == full_marks(), f"{place}: the next student found what the previous one left"


def _remove(path: Path) -> None:
    if not path.exists():
        return
    for folder, dirs, _ in os.walk(path):
        for name in [folder, *(os.path.join(folder, d) for d in dirs)]:
            os.chmod(name, stat.S_IRWXU)
    shutil.rmtree(path)


# ------------------------------------------------------------------ /dev

INSPECT_DEV = """
import os
ALLOWED = {"null", "zero", "random", "urandom", "shm"}
assert set(os.listdir("/dev")) <= ALLOWED, sorted(os.listdir("/dev"))
for path in ("/dev/planted", "/dev/shm/../planted"):
    try:
        open(path, "w").close()
    except OSError:
        pass
    else:
        raise AssertionError(path + " could be written")
assert os.urandom(4) and open("/dev/null", "w").write("x") == 1 and open("/dev/zero", "rb").read(2) == bytes(2)
"""


@pytest.mark.parametrize("isolation", ["bubblewrap"], indirect=True)
def test_dev_holds_only_the_device_nodes_python_needs_and_is_read_only(isolation, hostile):
    hostile(INSPECT_DEV + SOLUTION, score=10.0, status="passed")


# ------------------------------------------------------------------ the host's user

WAIT_TO_BE_SEEN = """
import time
time.sleep(1.5)
"""


def test_learner_code_runs_as_an_unprivileged_host_user(isolation, hostile):
    """Every process of the worker, seen from the host, belongs to a user other than root (the grader is root here)."""
    if os.geteuid() != 0:
        pytest.skip("the grader is not root: learner code runs as the grader's own unprivileged user")
    if not sandbox.worker_identity().dropped:
        pytest.skip(f"no Python the worker's user can run: {sandbox.worker_identity().why}")
    seen: dict[int, int] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for pid in tagged_processes():
                try:
                    uids = Path(f"/proc/{pid}/status").read_text().split("\nUid:")[1].split()[:4]
                except (OSError, IndexError):
                    continue
                seen[pid] = max(int(u) for u in uids) if "0" not in uids else 0
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        hostile(WAIT_TO_BE_SEEN + SOLUTION, score=10.0, status="passed", timeout=5.0)
    finally:
        stop.set()
        watcher.join()
    assert seen, "no process of the worker was seen"
    assert 0 not in seen.values(), f"processes running as host root: {[p for p, u in seen.items() if u == 0]}"


# ------------------------------------------------------------------ processes between exercises

START_HOPPERS = """
import os

# Ten processes that fork and exit at once, over and over: each lives a moment, under a new PID.
# (Within the worker's bound on processes: a fork refused here would cost this exercise.)
for _ in range(10):
    if os.fork() == 0:
        try:
            os.setsid()
            while True:
                if os.fork() != 0:
                    os._exit(0)
        finally:
            os._exit(0)
"""
FIND_HOPPERS = """
import os

def _ancestors():  # PIDs as /proc numbers them (learner code may be in a PID namespace of its own)
    pid, found = int(os.readlink("/proc/self")), set()
    while pid > 0 and pid not in found:
        found.add(pid)
        try:
            pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return found

def _same_program(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read() == open("/proc/self/cmdline", "rb").read()
    except OSError:
        return False

left = [p for p in map(int, filter(str.isdigit, os.listdir("/proc"))) if p not in _ancestors() and _same_program(p)]
assert not left, f"{len(left)} processes of an earlier exercise are still running"
"""


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",
        pytest.param(
            "process",
            marks=known_gap(
                "process isolation without a PID namespace: PID-hopping processes outrun the passes over /proc",
                not sandbox.process_mode_namespaces(),
                race=True,
            ),
        ),
    ],
    indirect=True,
)
def test_processes_that_keep_changing_their_pid_end_with_their_exercise(isolation, hostile):
    with_inspector = {"ex03": FIND_HOPPERS + (REFERENCE_DIR / f"{EXERCISES[2].module}.py").read_text()}
    gap_text = "processes of exercise 2 reached exercise 3" if isolation == "process" else None
    hostile(
        START_HOPPERS + SOLUTION, score=10.0, status="passed", timeout=5.0, replace=with_inspector, score_gap=gap_text
    )


def test_the_learners_own_files_are_in_the_fresh_working_folder(isolation, make_folder, grade):
    # The fresh working folder is filled with the whole submission: a helper module the learner
    # wrote and a data file the code reads are there, as in the learner's own folder.
    reference = (REFERENCE_DIR / "ex01_partial_derivatives.py").read_text()
    folder = make_folder({"ex01": "from my_helpers import *\n" + reference}, only=["ex01"])
    (folder / "my_helpers.py").write_text("import pathlib\nSCALE = float(pathlib.Path('scale.txt').read_text())\n")
    (folder / "scale.txt").write_text("1.0\n")
    result = grade(folder, only=["ex01"])
    ex01 = result.exercises[0]
    assert ex01.score == ex01.max_score, [c.message for c in ex01.checks if c.score < c.max_score] or ex01.message


def use_a_worker_edited(tmp_path: Path, monkeypatch, edit) -> None:
    """Grade with a copy of the worker's files whose worker.py is ``edit(source)`` (a fault injected)."""
    worker_dir = tmp_path / "edited-worker"
    worker_dir.mkdir()
    for name in sandbox.WORKER_FILES:
        shutil.copyfile(sandbox.WORKER_DIR / name, worker_dir / name)
    worker = worker_dir / "worker.py"
    worker.write_text(edit(worker.read_text()))
    monkeypatch.setattr(sandbox, "WORKER_DIR", worker_dir)


def test_a_space_found_not_empty_is_refused_as_the_graders_error(isolation, grade, make_folder, tmp_path, monkeypatch):
    # The proof that a student's space is empty is the last line of defence: when it finds
    # anything (here a worker made to find a leftover), no learner code runs there and every
    # exercise is the grader's error, never a learner's zero.
    proof = "    found = leftovers()\n    if found:"

    def finds_a_leftover(source: str) -> str:
        assert source.count(proof) == 1
        return source.replace(proof, "    found = ['/tmp/left']\n    if found:")

    use_a_worker_edited(tmp_path, monkeypatch, finds_a_leftover)
    result = grade(make_folder({"ex02": "print('LEARNER CODE RAN')\n" + SOLUTION}), timeout=5.0)
    assert {e.status for e in result.exercises} == {ExerciseStatus.GRADER_ERROR}
    assert "LEARNER CODE RAN" not in "".join(e.output for e in result.exercises)
    assert "not a fresh, confined start" in result.exercises[1].message


def test_a_worker_that_cannot_start_is_the_graders_error(isolation, grade, make_folder, tmp_path, monkeypatch):
    # Before the worker is ready no learner code has run: a worker that dies then (its Python
    # cannot import NumPy, a file it needs is missing) is the grader's fault, never a learner's zero.
    use_a_worker_edited(tmp_path, monkeypatch, lambda source: "raise ImportError('no NumPy here')\n" + source)
    result = grade(make_folder({}), timeout=5.0)
    assert {e.status for e in result.exercises} == {ExerciseStatus.GRADER_ERROR}
    assert "the worker could not start" in result.exercises[0].message


def test_a_python_in_a_folder_the_workers_user_cannot_enter_is_ruled_out_without_running_it(tmp_path):
    """As root, a virtual environment under /root is not the worker's Python; finding that out costs no start-up."""
    private = tmp_path / "private"
    (private / "bin").mkdir(parents=True)
    (private / "bin" / "python").write_text("")
    private.chmod(0o700)
    nobody = sandbox.WorkerIdentity(65534, 65534, "/usr/bin/env", None, "")
    assert sandbox._may_reach(nobody)
    assert not sandbox._may_reach(dataclasses.replace(nobody, python=str(private / "bin" / "python")))
    assert not sandbox._may_reach(dataclasses.replace(nobody, numpy_dir=str(private)))
    assert sandbox._may_reach(dataclasses.replace(nobody, numpy_dir="/usr/lib"))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root chooses a Python for the worker's user")
def test_a_python_expected_to_run_numpy_that_cannot_is_replaced_by_the_probes_choice(monkeypatch, make_folder, grade):
    """As root the first reachable Python is expected to work, unprobed; where it cannot start, the probes choose."""
    bin_dir = tempfile.mkdtemp(prefix="grader-test-bin-")
    os.chmod(bin_dir, 0o755)
    broken = Path(bin_dir) / "python3"
    broken.write_text("#!/bin/sh\necho 'no NumPy here' >&2\nexit 1\n")
    broken.chmod(0o755)
    real = sandbox._worker_pythons
    monkeypatch.setattr(
        sandbox,
        "_worker_pythons",
        lambda uid, gid: [dataclasses.replace(real(uid, gid)[0], python=str(broken), numpy_dir=None)] + real(uid, gid),
    )
    sandbox.forget_probes()
    try:
        assert sandbox._expected_identity()[0].python == str(broken)  # the guess, before any start
        result = grade(make_folder(only=["ex02", "ex03"]))
        assert sandbox.worker_identity().python != str(broken)
    finally:
        sandbox.forget_probes()
        shutil.rmtree(bin_dir)
    graded = [e for e in result.exercises if e.id in ("ex02", "ex03")]
    assert [e.score for e in graded] == [e.max_score for e in graded]
    assert not any("NumPy" in e.output for e in result.exercises)  # the failed start's words are not the learner's
