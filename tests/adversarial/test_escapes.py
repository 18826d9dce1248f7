"""Escapes: learner code looking for what it must not see, reach or change.

Under bubblewrap the worker sees a read-only system, a private /tmp and its scratch copy of the
submission, in its own user, PID, network, IPC and UTS namespaces. Process isolation (the
fallback) cannot hide files the grader's user can read, confine writes, block the network, or
hide the grader's processes: the tests below state that with ``known_gap`` marks on their
process-mode runs, and SECURITY.md lists each one. Submissions that are, or hold, links and
FIFOs are read by the grader itself, in both modes. Reading the reference by its absolute path
and importing it from ``..`` are in tests/test_hostile.py.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import stat
import threading
from pathlib import Path

import nbformat
import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.isolation import cgroup
from grader.isolation.sandbox import process_mode_namespaces, reachable, worker_identity
from tests.adversarial.conftest import (
    CONFINED,
    NETWORK_CONFINED,
    SOLUTION,
    ZEROS,
    gap,
    grade_in_subprocess,
    known_gap,
    processes_with_marker,
    recording,
)

BOTH_MODES_PROCESS_GAP = "process isolation cannot hide files the grader's user can read"
# Where the grader is root and found a Python the unprivileged worker user can run, learner code
# runs as that user: what it cannot read, signal or inspect is then out of reach.
SAME_USER = not worker_identity().dropped


def modes(process_gap: str | None, condition: bool = True):
    """Parameters for the ``isolation`` fixture: both modes, process mode marked as a known gap."""
    process = "process" if process_gap is None else pytest.param("process", marks=known_gap(process_gap, condition))
    return pytest.mark.parametrize("isolation", ["bubblewrap", process], indirect=True)


# ------------------------------------------------------------------ reading

FIND_THE_REFERENCE = """
import importlib.util, os, sys

found = None
for start in (os.getcwd(), os.path.dirname(os.path.abspath(sys.argv[0]))):  # argv[0]: the worker's script
    folder = start
    while found is None:
        candidate = os.path.join(folder, "reference", "ex02_gradient_geometry.py")
        if os.path.isfile(candidate):
            found = candidate
        if folder == os.path.dirname(folder):
            break
        folder = os.path.dirname(folder)
print("FOUND", found)
if found:
    spec = importlib.util.spec_from_file_location("stolen", found)
    stolen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stolen)
    grad_f, level_curve_tangent, steepest_descent_dir = (
        stolen.grad_f, stolen.level_curve_tangent, stolen.steepest_descent_dir
    )
"""


def test_the_reference_cannot_be_found_by_walking_up_the_tree(isolation, hostile):
    # The worker runs from a copy of its two files in the grading's temporary folder.
    graded = hostile(ZEROS + FIND_THE_REFERENCE, score=0.0, status="failed")
    assert "FOUND None" in graded.target.output


def _reference_readable_to_learner_code() -> bool:
    identity = worker_identity()
    module = REFERENCE_DIR / "ex02_gradient_geometry.py"
    return not identity.dropped or (reachable(REFERENCE_DIR, identity) and bool(module.stat().st_mode & stat.S_IROTH))


@modes(
    "process isolation as root, unconfined, hides only what the worker's user may not read (here a world-readable"
    " reference)",
    _reference_readable_to_learner_code() and not CONFINED,
)
def test_the_reference_cannot_be_read_by_its_absolute_path(isolation, hostile):
    thief = ZEROS + (
        f"\ntry:\n    exec(open({str(REFERENCE_DIR / 'ex02_gradient_geometry.py')!r}).read())\n"
        "except OSError as error:\n    print('DENIED', error)\n"
    )
    gap_text = "the learner read the reference" if isolation == "process" else None
    graded = hostile(thief, score=0.0, status="failed", score_gap=gap_text)
    assert "DENIED" in graded.target.output


@modes(
    BOTH_MODES_PROCESS_GAP + ": another student's submission, read by its path, gives full marks",
    SAME_USER and not CONFINED,
)
def test_other_students_submissions_cannot_be_read(isolation, hostile, tmp_path):
    # tmp_path is private to the grader's user (pytest makes it 0700).
    other = tmp_path / "other-student"
    other.mkdir()
    secret = f"other student's secret {random.getrandbits(64)}"
    (other / "ex02_gradient_geometry.py").write_text(f"# {secret}\n" + SOLUTION)
    thief = (
        ZEROS + f"\ntry:\n    stolen = open({str(other / 'ex02_gradient_geometry.py')!r}).read()\n"
        "    print(stolen[:80])\n    exec(stolen)\nexcept OSError as error:\n    print('DENIED', error)\n"
    )
    gap_text = "the learner copied another student's solution" if isolation == "process" else None
    graded = hostile(thief, score=0.0, status="failed", score_gap=gap_text)
    assert secret not in graded.target.output and "DENIED" in graded.target.output


PROC_ENVIRON_SPY = """
import os

for entry in os.listdir("/proc"):
    try:
        with open(f"/proc/{entry}/environ", "rb") as environ:
            for variable in environ.read().split(b"\\0"):
                if variable.startswith(b"GRADER_ADVERSARIAL_SECRET="):
                    print("LEAKED", entry, variable.decode())
    except OSError:
        pass
"""


@modes(
    "process isolation: the grader's /proc/<pid>/environ is readable by the worker (same user, unconfined)",
    SAME_USER and not CONFINED,
)
def test_the_graders_environment_cannot_be_read_through_proc(isolation, make_folder, tmp_path):
    # /proc/<pid>/environ shows the environment a process started with, so the grader runs in a
    # process of its own started with the secret.
    secret = f"s3cret-{random.getrandbits(64)}"
    graded = grade_in_subprocess(
        make_folder({"ex02": PROC_ENVIRON_SPY + ZEROS}), tmp_path, env={"GRADER_ADVERSARIAL_SECRET": secret}
    )
    assert graded.returncode == 0, graded.stderr
    assert graded.scores == {**{k: 10.0 for k in graded.scores}, "ex02": 0.0}
    assert graded.leftovers == []
    gap(secret not in graded.output, f"the learner read the grader's environment: {graded.output[:200]}")


WORKER_ENVIRONMENT = {
    "PATH", "LANG", "HOME", "MPLBACKEND", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
    "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "GRADER_WORKER_TOKEN",
    "PWD",  # set by bwrap --chdir
    "GRADER_SANDBOXED",  # tells the worker it may clean its namespace (bubblewrap)
    "GRADER_TMP_BYTES",  # the size of each private folder it mounts per student (bubblewrap)
}  # fmt: skip


def test_learner_code_sees_only_the_workers_own_environment(isolation, hostile, monkeypatch):
    monkeypatch.setenv("GRADER_ADVERSARIAL_SECRET", "must not be seen")
    spy = "import os\nprint('ENV', sorted(os.environ))\nprint('VALUES', list(os.environ.values()))\n"
    graded = hostile(spy + ZEROS, score=0.0, status="failed")
    names = eval(graded.target.output.split("ENV ", 1)[1].splitlines()[0])  # a list of str, printed by repr
    assert set(names) <= WORKER_ENVIRONMENT, set(names) - WORKER_ENVIRONMENT
    assert "must not be seen" not in graded.target.output


@modes("process isolation: the worker runs as the grader's user, root here", os.geteuid() == 0 and SAME_USER)
def test_learner_code_does_not_run_as_root(isolation, hostile):
    graded = hostile("import os\nprint('EUID', os.geteuid())\n" + ZEROS, score=0.0, status="failed")
    euid = int(graded.target.output.split("EUID ", 1)[1].split()[0])
    gap(euid != 0, "learner code runs as root")


INSPECT_THE_WORKER = """
import os

# The worker's PID as /proc numbers it (learner code may be in a PID namespace of its own).
with open("/proc/self/stat") as stat:
    worker = int(stat.read().rsplit(")", 1)[1].split()[1])
for what in ("mem", "environ", "maps"):
    try:
        with open(f"/proc/{worker}/{what}", "rb") as file:
            if what != "mem":  # address 0 of mem is not mapped: opening it is the test
                file.read(1)
        print("READ", what)
    except OSError as error:
        print("DENIED", what, error.errno)
"""


@modes("process isolation as root: CAP_SYS_PTRACE reads any process's memory", os.geteuid() == 0 and SAME_USER)
def test_the_worker_cannot_be_inspected(isolation, hostile):
    # The worker is not dumpable: its memory, environment and mappings are closed to learner code.
    graded = hostile(INSPECT_THE_WORKER + ZEROS, score=0.0, status="failed")
    gap("READ" not in graded.target.output, f"learner code inspected the worker: {graded.target.output!r}")
    assert graded.target.output.count("DENIED") == 3


# ------------------------------------------------------------------ network


@pytest.fixture
def listening_server():
    """A TCP server on 127.0.0.1 recording what it receives; yields (port, received list)."""
    server = socket.create_server(("127.0.0.1", 0))
    with recording(server) as received:
        yield server.getsockname()[1], received


def test_the_network_is_out_of_reach(isolation, hostile, listening_server):
    port, received = listening_server
    exfiltrate = (
        "import socket\ntry:\n"
        f"    with socket.create_connection(('127.0.0.1', {port}), timeout=1) as s:\n"
        "        s.sendall(b'exfiltrated')\n    print('CONNECTED')\n"
        "except OSError as error:\n    print('BLOCKED', error)\n"
    )
    graded = hostile(exfiltrate + ZEROS, score=0.0, status="failed")
    if isolation == "process" and not process_mode_namespaces() and not NETWORK_CONFINED:
        # Process isolation cannot block the network without a network namespace of its own or
        # Landlock's TCP rules (a known gap, SECURITY.md): only the scoring is asserted.
        return
    assert "BLOCKED" in graded.target.output
    assert received == []


# ------------------------------------------------------------------ writing


@modes(
    "process isolation cannot confine writes: anything the grader's user may write, learner code may write",
    (SAME_USER or not process_mode_namespaces()) and not CONFINED,
)
def test_nothing_can_be_written_outside_the_scratch_copy(isolation, hostile, make_folder, tmp_path, tmp_marker):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "results.json").write_text("{}")
    folder = make_folder({})
    targets = [victim / "results.json", victim / "planted.txt", folder / "planted.txt", Path("/tmp") / tmp_marker]
    writer = "".join(
        f"try:\n    open({str(t)!r}, 'w').write('forged')\nexcept OSError as error:\n    print('DENIED', error)\n"
        for t in targets
    )
    graded = hostile(writer + ZEROS, score=0.0, status="failed", writes_gap="learner code wrote into the submission")
    gap(
        (victim / "results.json").read_text() == "{}" and not (victim / "planted.txt").exists(),
        "learner code wrote into another folder",
    )
    gap(not (Path("/tmp") / tmp_marker).exists(), "learner code wrote into the host's /tmp")
    # /tmp is writable where it is the sandbox's own; confined learner code writes its scratch copy only.
    assert graded.target.output.count("DENIED") == (4 if isolation == "process" and CONFINED else 3)


TAMPER = """
try:
    with open({path!r}, "w") as reference:
        reference.write("import numpy as np\\n"
                        "def grad_f(x, y):\\n    return np.zeros(2)\\n"
                        "def level_curve_tangent(x, y):\\n    return np.zeros(2)\\n"
                        "def steepest_descent_dir(x, y):\\n    return np.zeros(2)\\n")
except OSError as error:
    print("DENIED", error)
"""


def test_the_reference_cannot_be_rewritten_by_an_earlier_exercise(isolation, hostile, tmp_path, monkeypatch):
    # The reference is copied so that the real one is never at risk; the attacker knows where it
    # is (the walk in test_the_reference_cannot_be_found_by_walking_up_the_tree finds it).
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    monkeypatch.setattr("grader.course.REFERENCE_DIR", reference)
    ex01 = next(e for e in EXERCISES if e.id == "ex01")
    tamperer = TAMPER.format(path=str(reference / "ex02_gradient_geometry.py"))
    tamperer += (REFERENCE_DIR / f"{ex01.module}.py").read_text()
    # Every reference is loaded before learner code runs; process mode as root cannot write it anyway.
    hostile(ZEROS, score=0.0, status="failed", replace={"ex01": tamperer})


# ------------------------------------------------------------------ processes


@modes(
    "process isolation without cgroups: a process that leaves the session and drops its token is never found",
    condition=not cgroup.available()[0],
)
def test_an_escapee_that_drops_its_token_does_not_outlive_the_grading(isolation, hostile):
    seconds = f"3599.{random.randrange(10**8, 10**9)}"  # a unique command line, to find the escapee
    escape = (
        "import os\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execve('/bin/sleep', ['sleep', {seconds!r}], {{}})\n    os._exit(0)\n"
    )
    try:
        hostile(escape + ZEROS, score=0.0, status="failed")
        left = processes_with_marker(seconds)
        gap(left == [], f"the escapee is still running: {left}")
    finally:
        for pid in processes_with_marker(seconds):  # processes this test made, by id
            os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ the submission itself


def test_a_symlinked_module_is_not_read(hostile, make_folder):
    folder = make_folder({})
    module = folder / "ex02_gradient_geometry.py"
    module.unlink()
    module.symlink_to(REFERENCE_DIR / "ex02_gradient_geometry.py")
    graded = hostile("", folder=folder, score=0.0, status="missing")
    gap("link" in graded.target.message, f"the message does not say why: {graded.target.message!r}")


def solved_notebook(path: Path) -> None:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("import numpy as np")]
    for exercise in EXERCISES:
        cell = nbformat.v4.new_code_cell((REFERENCE_DIR / f"{exercise.module}.py").read_text())
        cell.metadata["tags"] = [f"exercise-{exercise.number}"]
        book.cells.append(cell)
    path.write_text(nbformat.writes(book))


def test_a_symlinked_notebook_outside_the_submission_is_not_graded(grade, tmp_path):
    other = tmp_path / "other-student"
    other.mkdir()
    solved_notebook(other / "solved.ipynb")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "submission.ipynb").symlink_to(other / "solved.ipynb")
    result = grade(mine, timeout=5.0)
    assert result.score == 0, f"the symlinked notebook of another student scored {result.score}"
    assert result.problem and all(e.status == "missing" for e in result.exercises)


def test_a_fifo_in_the_submission_does_not_hang_the_grader(grade, make_folder):
    folder = make_folder({})
    fifo = folder / "notes.py"
    os.mkfifo(fifo)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (grade(folder, timeout=2.0), done.set()), daemon=True)
    thread.start()
    try:
        finished = done.wait(timeout=6)
    finally:
        if not done.is_set():  # unblock the grader: open the FIFO's other end and close it
            with open(fifo, "wb"):
                pass
        thread.join(timeout=30)
    assert finished, "the grader was still reading the FIFO after 6 s"
