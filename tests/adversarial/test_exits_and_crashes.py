"""Exits and crashes: learner code that ends its own process, the worker, or tries the grader.

A learner's exception of any kind (even SystemExit, KeyboardInterrupt or a bare BaseException)
raised in a call costs that call's checks only; code that ends the exercise's process (os._exit,
a signal, a crash) stops the exercise with an error, keeping the points of the checks that passed
before. Cases already in tests/test_hostile.py (segfault via ctypes.string_at, os._exit in a call,
sys.exit at import, KeyboardInterrupt in a call, deep recursion) are not repeated here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from grader.course import PROJECT_DIR
from grader.sandbox import tagged_processes
from tests.adversarial.conftest import SOLUTION, ZEROS, gap, known_gap

EXITS = {
    # name: (exercise 2's source, its score, its status, a phrase of the message)
    "sys_exit_in_a_call": (
        SOLUTION + "\n\nimport sys\n\n\ndef grad_f(x, y):\n    sys.exit(0)\n",
        6.0,
        "partial",
        "SystemExit",
    ),
    "bare_base_exception_in_a_call": (
        SOLUTION + "\n\nclass Out(BaseException):\n    pass\n\n\ndef grad_f(x, y):\n    raise Out('bye')\n",
        6.0,
        "partial",
        "raised Out: bye",
    ),
    "keyboard_interrupt_at_import": ("raise KeyboardInterrupt\n" + SOLUTION, 0.0, "error", "KeyboardInterrupt"),
    "base_exception_at_import": ("raise BaseException('bye')\n" + SOLUTION, 0.0, "error", "BaseException"),
    "os_exit_at_import": ("import os\nos._exit(0)\n" + SOLUTION, 0.0, "error", "exited with status 0"),
    "kills_its_own_process_group": (
        SOLUTION + "\n\nimport os, signal\n\n\ndef steepest_descent_dir(x, y):\n    os.killpg(0, signal.SIGKILL)\n",
        7.0,
        "error",
        "killed by signal SIGKILL",
    ),
    "abort": (SOLUTION + "\n\nimport os\n\n\ndef grad_f(x, y):\n    os.abort()\n", 0.0, "error", "SIGABRT"),
    "c_stack_overflow": (
        # Recursion through C code (repr) with the recursion limit lifted overflows the C stack.
        SOLUTION + "\n\nimport sys\nsys.setrecursionlimit(10**7)\n\n\nclass Loop:\n"
        "    def __repr__(self):\n        return repr(self)\n\n\n"
        "def level_curve_tangent(x, y):\n    return repr(Loop())\n",
        4.0,
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
        0.0,
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


KILL_THE_WORKER = {
    "sigkill": "os.kill(os.getppid(), signal.SIGKILL)",
    "sigterm": "os.kill(os.getppid(), signal.SIGTERM)",
    "its_process_group": "os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)",
}


@pytest.mark.parametrize("how", sorted(KILL_THE_WORKER))
def test_killing_the_worker_costs_the_exercise_only(how, isolation, hostile):
    source = SOLUTION + f"\n\nimport os, signal\n\n\ndef grad_f(x, y):\n    {KILL_THE_WORKER[how]}\n"
    graded = hostile(source, score=0.0, status="error")
    assert "killed by signal" in graded.target.message
    assert len(graded.tokens) == 2  # the killed worker and the fresh one that graded the rest


def test_stopping_the_worker_with_sigstop_is_a_timeout(hostile):
    # The exercise's own process answers, but the stopped worker never reports that it ended.
    source = SOLUTION + "\n\nimport os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n"
    graded = hostile(source, score=10.0, status="timeout", timeout=1.0)
    assert "finishing" in graded.target.message


GRADE_IN_A_SUBPROCESS = """
import json, sys
from grader import sandbox
from grader.grade import grade_submission
original = sandbox.Worker.__init__
def spy(self, *args, **kwargs):
    original(self, *args, **kwargs)
    with open(sys.argv[2], "a") as tokens:
        tokens.write(self.token + "\\n")
sandbox.Worker.__init__ = spy
result = grade_submission(sys.argv[1], limits=sandbox.Limits(timeout_s=2.0))
print(json.dumps({e.id: e.score for e in result.exercises}))
"""

KILL_THE_GRADER = """
import os, signal


def _worker_parent():
    with open(f"/proc/{os.getppid()}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


grader = _worker_parent()  # in the sandbox's PID namespace: 1, its init, which ignores the signal
if grader > 0:
    os.kill(grader, signal.SIGKILL)
"""


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",
        pytest.param(
            "process",
            marks=known_gap("process isolation: the worker runs as the grader's user, so learner code can signal it"),
        ),
    ],
    indirect=True,
)
def test_learner_code_cannot_kill_the_grader(isolation, make_folder, tmp_path):
    folder = make_folder({"ex02": KILL_THE_GRADER + ZEROS})
    tokens_file = tmp_path / "tokens"
    tokens_file.touch()
    try:
        done = subprocess.run(
            [sys.executable, "-c", GRADE_IN_A_SUBPROCESS, str(folder), str(tokens_file)],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        gap(done.returncode == 0, f"the grader died: status {done.returncode}, {done.stderr[-500:]}")
        scores = json.loads(done.stdout.splitlines()[-1])
        assert scores == {**{k: 10.0 for k in scores}, "ex02": 0.0}
    finally:
        leftovers = _wait_for_no_processes(tokens_file.read_text().split())
    assert leftovers == []


def _wait_for_no_processes(tokens: list[str], patience: float = 5.0) -> list[int]:
    """Processes of these workers still running after ``patience`` seconds; they are then killed."""
    deadline = time.monotonic() + patience
    while True:
        left = [pid for token in tokens for pid in tagged_processes(token)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for token in tokens:
        from grader.sandbox import kill_tagged_processes

        kill_tagged_processes(token)
    return left
