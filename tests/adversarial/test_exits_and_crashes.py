"""Exits and crashes: learner code that ends its own process, the worker, or tries the grader.

A learner's exception of any kind (even SystemExit, KeyboardInterrupt or a bare BaseException)
raised in a call costs that call's checks only; a function that ends the exercise's process
(os._exit, a signal, a crash) or the worker loses its own checks, and the exercise's other
functions are checked in a fresh process (the exercise is marked "error", with the signal or
status named); code that ends the process as it loads costs the exercise. Killing the grader is
out of reach under bubblewrap only. Cases already in tests/test_hostile.py (segfault via
ctypes.string_at, os._exit in a call, sys.exit at import, KeyboardInterrupt in a call, deep
recursion) are not repeated here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.isolation.sandbox import process_mode_namespaces, worker_identity
from tests.adversarial.conftest import (
    ENDED_IN_DESCENT,
    ENDED_IN_GRAD_F,
    ENDED_IN_TANGENT,
    SIGNALS_CONFINED,
    SOLUTION,
    WITHOUT_GRAD_F,
    ZEROS,
    gap,
    grade_in_subprocess,
    known_gap,
)
from tests.helpers import by_id

EXITS = {
    # name: (exercise 2's source, its score, its status, a phrase of the message)
    "sys_exit_in_a_call": (
        SOLUTION + "\n\nimport sys\n\n\ndef grad_f(x, y):\n    sys.exit(0)\n",
        WITHOUT_GRAD_F,
        "partial",
        "SystemExit",
    ),
    "bare_base_exception_in_a_call": (
        SOLUTION + "\n\nclass Out(BaseException):\n    pass\n\n\ndef grad_f(x, y):\n    raise Out('bye')\n",
        WITHOUT_GRAD_F,
        "partial",
        "raised Out: bye",
    ),
    "keyboard_interrupt_at_import": ("raise KeyboardInterrupt\n" + SOLUTION, 0.0, "error", "KeyboardInterrupt"),
    "base_exception_at_import": ("raise BaseException('bye')\n" + SOLUTION, 0.0, "error", "BaseException"),
    "os_exit_at_import": ("import os\nos._exit(0)\n" + SOLUTION, 0.0, "error", "exited with status 0"),
    "kills_its_own_process_group": (
        SOLUTION + "\n\nimport os, signal\n\n\ndef steepest_descent_dir(x, y):\n    os.killpg(0, signal.SIGKILL)\n",
        ENDED_IN_DESCENT,
        "error",
        "killed by signal SIGKILL",
    ),
    "abort": (SOLUTION + "\n\nimport os\n\n\ndef grad_f(x, y):\n    os.abort()\n", ENDED_IN_GRAD_F, "error", "SIGABRT"),
    "c_stack_overflow": (
        # Recursion through C code (repr) with the recursion limit lifted overflows the C stack.
        SOLUTION + "\n\nimport sys\nsys.setrecursionlimit(10**7)\n\n\nclass Loop:\n"
        "    def __repr__(self):\n        return repr(self)\n\n\n"
        "def level_curve_tangent(x, y):\n    return repr(Loop())\n",
        ENDED_IN_TANGENT,
        "error",
        "SIGSEGV",
    ),
    "segfault_in_a_thread_at_import": (
        "import ctypes, threading\nt = threading.Thread(target=ctypes.string_at, args=(0,))\nt.start()\nt.join()\n"
        + SOLUTION,
        0.0,
        "error",
        "SIGSEGV",
    ),
    "segfault_while_the_worker_reads_the_answer": (
        SOLUTION + "\n\nimport ctypes\n\n\nclass Bomb(float):\n    def __float__(self):\n"
        "        return float(ctypes.string_at(0))\n\n\ndef grad_f(x, y):\n    return [Bomb(1.0), Bomb(2.0)]\n",
        ENDED_IN_GRAD_F,
        "error",
        "SIGSEGV",
    ),
}


@pytest.mark.parametrize("name", sorted(EXITS))
def test_an_exit_or_crash_costs_its_own_checks_only(name, hostile):
    source, score, status, phrase = EXITS[name]
    graded = hostile(source, score=score, status=status)
    messages = graded.target.message + " ".join(c.message for c in graded.target.checks)
    assert phrase in messages


# Exercise 2's score when grad_f answers None once and rightly after: check a (3 points) lost.
WITHOUT_GRAD_F_FIRST_ANSWER = 7.0

KILL_THE_WORKER = {
    "sigkill": "os.kill(WORKER, signal.SIGKILL)",
    "sigterm": "os.kill(WORKER, signal.SIGTERM)",
    "its_process_group": "os.killpg(WORKER_GROUP, signal.SIGKILL)",
}
# The worker's pid is taken at import, and signalled once: after its death os.getppid() names
# whatever adopted the orphan (the host's init in process mode), which a test must never signal.
KILL_ONCE = """
import os, signal, time

WORKER, WORKER_GROUP = os.getppid(), os.getpgid(os.getppid())


def grad_f(x, y):
    global WORKER
    if WORKER:
        {action}
        WORKER = 0
        time.sleep(0.5)  # time enough to die, when this process dies with the worker
        return None
    return _gradient(x, y)
"""


def worker_out_of_reach(isolation: str) -> bool:
    """Whether the exercise's parent is the init of a PID namespace, which ignores signals sent from inside."""
    return isolation == "bubblewrap" or process_mode_namespaces()


def signals_refused(isolation: str) -> bool:
    """Whether learner code is confined from signalling any process outside its exercise (Landlock)."""
    return isolation == "process" and SIGNALS_CONFINED


@pytest.mark.parametrize("how", sorted(KILL_THE_WORKER))
def test_killing_the_worker_costs_the_exercise_only(how, isolation, hostile):
    # The exercise's process dies with its worker (PID namespace; PR_SET_PDEATHSIG in process
    # mode): it cannot answer on, so both modes give the same score: grad_f is not run again, the
    # other functions are checked in a fresh process of a fresh worker. Where the worker is the
    # init of the exercise's PID namespace, the signal is ignored: the exercise goes on, and
    # loses only the check its None answer failed. Signalling the parent's process group (not
    # visible from a PID namespace of its own) ends the exercise's own group.
    source = SOLUTION + KILL_ONCE.format(action=KILL_THE_WORKER[how])
    # From a PID namespace of its own the parent's group is not visible: os.getpgid gives 0, and
    # killpg(0) is the exercise's own group, which confined code may still signal.
    own_group = how == "its_process_group" and worker_out_of_reach(isolation)
    if signals_refused(isolation) and not own_group:  # the kill raises PermissionError at every call of grad_f
        graded = hostile(source, score=WITHOUT_GRAD_F, status="partial")
        assert len(graded.tokens) == 1 and "PermissionError" in graded.target.checks[0].message
        return
    if worker_out_of_reach(isolation) and how != "its_process_group":
        graded = hostile(source, score=WITHOUT_GRAD_F_FIRST_ANSWER, status="partial")
        assert len(graded.tokens) == 1
        return
    graded = hostile(source, score=ENDED_IN_GRAD_F, status="error")
    assert "killed by signal" in graded.target.message or "exited with status 1" in graded.target.message
    assert len(graded.tokens) == 2  # the killed worker and the fresh one that graded the rest


def test_stopping_the_worker_with_sigstop_is_a_timeout(isolation, hostile):
    # The exercise's own process answers, but the stopped worker never reports that it ended;
    # where the worker is its PID namespace's init, SIGSTOP from inside is ignored (and where
    # learner code is confined, refused: its functions were defined before the refusal).
    source = SOLUTION + "\n\nimport os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n"
    if signals_refused(isolation) or worker_out_of_reach(isolation):
        hostile(source, score=10.0, status="passed", timeout=1.0)
        return
    graded = hostile(source, score=10.0, status="timeout", timeout=1.0)
    assert "finishing" in graded.target.message


KILL_THE_GRADER = """
import os, signal


def _parent(pid):
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _runs_the_worker(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return b"worker.py" in cmdline.read()


# The grader: the first ancestor that is not the worker, found through /proc (whose numbers are
# the host's in process mode; in a PID namespace of its own, learner code cannot name it at all).
grader = _parent("self")
while grader > 1 and _runs_the_worker(grader):
    grader = _parent(grader)
if grader > 1:
    try:
        os.kill(grader, signal.SIGKILL)
    except OSError as error:
        print("DENIED", error)
"""
SIGNALS_REACH_THE_GRADER = "process isolation: the worker runs as the grader's user, so learner code can signal it"


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",
        pytest.param(
            "process", marks=known_gap(SIGNALS_REACH_THE_GRADER, not worker_identity().dropped and not SIGNALS_CONFINED)
        ),
    ],
    indirect=True,
)
def test_learner_code_cannot_kill_the_grader(isolation, make_folder, tmp_path):
    graded = grade_in_subprocess(make_folder({"ex02": KILL_THE_GRADER + ZEROS}), tmp_path)
    gap(graded.returncode == 0, f"the grader died: status {graded.returncode}, {graded.stderr[-300:]}")
    if isolation == "process":  # the grader was named, and the signal refused
        assert "DENIED" in graded.output
    assert graded.scores == {**{k: 10.0 for k in graded.scores}, "ex02": 0.0}
    assert graded.leftovers == []


def orphaned_workers() -> set[int]:
    """Worker processes whose grader is gone (reparented to init)."""
    found = set()
    for entry in os.scandir("/proc"):
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                is_worker = b"worker.py" in cmdline.read()
        except (OSError, ValueError, IndexError):
            continue
        if parent == 1 and is_worker:
            found.add(int(entry.name))
    return found


# `grader grade` with the worker run as the grader's own user, as where the grader is not root.
GRADE_AS_THE_GRADERS_USER = """
import dataclasses, os, sys
from grader.isolation import sandbox
own = dataclasses.replace(sandbox.worker_identity(), uid=os.geteuid(), gid=os.getegid())
sandbox.worker_identity = lambda: own
from grader.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("same_user", [False, True], ids=["worker-user", "graders-user"])
def test_a_killed_grader_leaves_no_worker_running(isolation, make_folder, tmp_path, same_user):
    # The worker dies with its grader, whoever it runs as (a change of user clears the
    # parent-death signal, which is then set again): a looping exercise must not run on as an orphan.
    folder = make_folder({"ex02": "while True:\n    pass\n"}, only=["ex01", "ex02"])
    before = orphaned_workers()
    grader = ["-c", GRADE_AS_THE_GRADERS_USER] if same_user else ["-m", "grader"]
    grading = subprocess.Popen(
        [sys.executable, *grader, "grade", str(folder), "--timeout", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(4)  # the worker is running the loop by now
    grading.kill()
    grading.wait()
    deadline = time.monotonic() + 5
    while (left := orphaned_workers() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"workers left running after their grader was killed: {sorted(left)}"


def _module(exercise_id: str, appended: str = "") -> tuple[str, str]:
    exercise = next(e for e in EXERCISES if e.id == exercise_id)
    return f"{exercise.module}.py", (REFERENCE_DIR / f"{exercise.module}.py").read_text() + appended


SOFTMAX_CRASHES = "\n\nimport os\n\n\ndef softmax(z):\n    os._exit(3)\n"
SOFTMAX_RAISES = "\n\ndef softmax(z):\n    raise ValueError('not yet')\n"
FISHER_HANGS = "\n\ndef fisher_info(theta, n):\n    while True:\n        pass\n"


def test_a_crash_costs_what_an_exception_costs_and_leaves_the_fresh_starts_to_timeouts(tmp_path, grade):
    # softmax crashing takes each of its callers down with it; they are judged again with a right
    # softmax all the same (error carried forward), as when softmax raises. The fresh processes
    # after crashes get what is left of the budget, so they do not use up the submission's fresh
    # starts: exercise 8's hanging fisher_info still costs fisher_info alone.
    def graded(name: str, *modules: tuple[str, str]) -> dict:
        folder = tmp_path / name
        folder.mkdir()
        for file_name, source in modules:
            (folder / file_name).write_text(source)
        return by_id(grade(folder, timeout=1.0))

    raised = graded("raised", _module("ex07", SOFTMAX_RAISES), _module("ex08"))
    crashed = graded("crashed", _module("ex07", SOFTMAX_CRASHES), _module("ex08", FISHER_HANGS))
    alone = graded("alone", _module("ex07"), _module("ex08", FISHER_HANGS))
    assert crashed["ex07"].score == raised["ex07"].score > 0, crashed["ex07"].message
    assert crashed["ex07"].status == "error" and "exited with status 3" in crashed["ex07"].message
    assert crashed["ex08"].score == alone["ex08"].score > 0, crashed["ex08"].message


def test_a_crash_is_never_taken_for_a_refusal_a_check_may_explain(tmp_path, grade):
    # Exercise 4's feedback check accepts an exception for a non-symmetric A (a fair reading of the
    # exercise): a crash there is shown as what it is. The points follow the contract (symmetric A).
    crashes = "\n\nimport os\n\n\ndef grad_quadratic(A, x):\n    if not np.allclose(A, A.T):\n        os._exit(3)\n"
    crashes += "    return 2 * A @ x\n"
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / (name := _module("ex04", crashes))[0]).write_text(name[1])
    result = by_id(grade(folder))["ex04"]
    feedback = next(c for c in result.checks if c.name == "grad_quadratic_general_A_feedback")
    assert feedback.status == "error" and "exited with status 3" in feedback.message
    assert result.score == result.max_score and result.status == "passed"
