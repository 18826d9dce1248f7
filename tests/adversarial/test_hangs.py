"""Hangs: learner code that never returns is stopped at the exercise's time limit.

The function that hangs loses its checks; the exercise's other functions are checked in a fresh
process with a fresh budget (see grader/checking/session.py); a hang while the module loads costs
the exercise; every other exercise is graded in full on a fresh worker. A plain
busy loop in a call or at import, and a sleep that ignores signals, are in tests/test_hostile.py.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import (
    ENDED_IN_DESCENT,
    ENDED_IN_GRAD_F,
    ENDED_IN_TANGENT,
    SOLUTION,
    STOPPED_AT_GRAD_F,
    WITHOUT_GRAD_F,
)

TIME_LIMIT = 1.0  # seconds per exercise; the reference exercises need a tenth of it

HANGS = {
    # name: (exercise 2's source, its score, its status)
    "busy_loop_in_the_second_function": (
        SOLUTION + "\n\ndef level_curve_tangent(x, y):\n    while True:\n        pass\n",
        ENDED_IN_TANGENT,  # the last function's checks ran in a fresh process
        "timeout",
    ),
    "sleep_in_the_last_function": (
        SOLUTION + "\n\nimport time\n\n\ndef steepest_descent_dir(x, y):\n    time.sleep(3600)\n",
        ENDED_IN_DESCENT,
        "timeout",
    ),
    "sleep_at_import_in_select": ("import select\nselect.select([], [], [])\n" + SOLUTION, 0.0, "timeout"),
    "wait_on_an_event_nobody_sets": (
        "import threading\nthreading.Event().wait()\n" + SOLUTION,
        STOPPED_AT_GRAD_F,
        "timeout",
    ),
    "deadlock_across_threads": (
        SOLUTION + "\n\nimport threading, time\n"
        "a, b = threading.Lock(), threading.Lock()\n\n\n"
        "def first():\n    with a:\n        time.sleep(0.05)\n        with b:\n            pass\n\n\n"
        "def second():\n    with b:\n        time.sleep(0.05)\n        with a:\n            pass\n\n\n"
        "def grad_f(x, y):\n"
        "    threads = [threading.Thread(target=first), threading.Thread(target=second)]\n"
        "    for t in threads:\n        t.start()\n"
        "    for t in threads:\n        t.join()\n"
        "    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
    "stops_itself_with_sigstop": (
        SOLUTION + "\n\nimport os, signal\n\n\ndef grad_f(x, y):\n    os.kill(os.getpid(), signal.SIGSTOP)\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
    "hang_in_a_property_the_worker_reads": (
        # Packing the answer asks isinstance(), which reads __class__ when the type does not match.
        SOLUTION + "\n\nclass Answer:\n    @property\n    def __class__(self):\n        while True:\n"
        "            pass\n\n\ndef grad_f(x, y):\n    return Answer()\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
    "hang_in_del": (
        SOLUTION + "\n\nclass Sticky:\n    def __del__(self):\n        while True:\n            pass\n\n\n"
        "def grad_f(x, y):\n    Sticky()\n    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
    "hang_in_the_message_of_an_exception": (
        # The worker describes a learner's exception with str(): learner code on the error path.
        SOLUTION + "\n\nclass Endless(Exception):\n    def __str__(self):\n        while True:\n"
        "            pass\n\n\ndef grad_f(x, y):\n    raise Endless()\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
    "hang_in_float_conversion_of_the_answer": (
        SOLUTION + "\n\nclass Slow(float):\n    def __float__(self):\n        while True:\n            pass\n\n\n"
        "def grad_f(x, y):\n    return [Slow(1.0), Slow(2.0)]\n",
        ENDED_IN_GRAD_F,
        "timeout",
    ),
}


@pytest.mark.parametrize("name", sorted(HANGS))
def test_a_hang_is_stopped_at_the_time_limit(name, hostile):
    source, score, status = HANGS[name]
    graded = hostile(source, score=score, status=status, timeout=TIME_LIMIT)
    assert f"time limit of {TIME_LIMIT:g} s exceeded" in graded.target.message
    assert graded.target.seconds < TIME_LIMIT + 1.0


def test_a_blocking_read_on_stdin_gets_end_of_file_not_a_hang(hostile):
    # The worker's stdin is /dev/null: input() raises EOFError at once.
    source = SOLUTION + "\n\ndef grad_f(x, y):\n    return [float(v) for v in input().split()]\n"
    graded = hostile(source, score=WITHOUT_GRAD_F, status="partial")
    assert "EOFError" in graded.target.checks[0].message
    assert graded.target.seconds < 1.0
