"""Open files the worker shares with every exercise and student stay as the worker made them.

The request and reply pipes and the output file are open files the worker holds for its whole
life; every exercise's process, and in bubblewrap mode every student's, inherits them. What
belongs to an open file rather than to a process (its O_NONBLOCK and O_APPEND flags, a pipe's
size) outlives the learner code that changed it, so the worker puts it back after every
exercise and before promising the next student a fresh start. The grader's own ends are
non-blocking, so no pipe a learner shrinks or stops reading can hold the grader past a deadline.
"""

from __future__ import annotations

import json
import time

from grader.course import REFERENCE_DIR
from grader.isolation.sandbox import Limits

from .conftest import SOLUTION
from .test_batch_survival import grade_class, gradebook, make_class, quiet

# The reply pipe shrunk to one page and made non-blocking (a longer reply then fails half
# written), and the output file's O_APPEND cleared with its offset far out (the next writer's
# output would start after megabytes of NUL bytes).
SPOIL_THE_SHARED_FILES = """
import fcntl as _fcntl, os as _os, sys as _sys
_reply = int(_sys.argv[2])
_fcntl.fcntl(_reply, 1031, 4096)
_fcntl.fcntl(_reply, _fcntl.F_SETFL, _fcntl.fcntl(_reply, _fcntl.F_GETFL) | _os.O_NONBLOCK)
_fcntl.fcntl(1, _fcntl.F_SETFL, _os.O_WRONLY)
_os.lseek(1, (16 << 20) - 1, 0)
"""


def test_pipe_and_file_settings_one_exercise_changes_never_reach_the_next_exercise(isolation, hostile):
    # ex08's replies are longer than a page: without the repair its checks fail half written.
    hostile(SOLUTION + SPOIL_THE_SHARED_FILES, score=10.0, status="passed")


def test_pipe_and_file_settings_one_student_changes_never_reach_the_next_student(isolation, tmp_path):
    last = (REFERENCE_DIR / "ex10_fgsm.py").read_text() + SPOIL_THE_SHARED_FILES
    folder = make_class(tmp_path, {"aaa-hostile": None, "bob": None})
    (folder / "aaa-hostile" / "ex10_fgsm.py").write_text(last)
    bob_ex01 = folder / "bob" / "ex01_partial_derivatives.py"
    bob_ex01.write_text(bob_ex01.read_text() + "\nprint('bob was here')\n")
    out = tmp_path / "out"
    grade_class(folder, out, jobs=1, limits=Limits(timeout_s=5.0), progress=quiet())  # one worker, in turn
    assert gradebook(out)["bob"]["total"] == "100"
    results = json.loads((out / "bob" / "results.json").read_text())
    ex01 = next(e for e in results["exercises"] if e["id"] == "ex01")
    assert ex01["output"] == "bob was here\n"


# The request pipe shrunk to one page, and the exercise's process reading no request after its
# first call: the grader's next request (ex08's are longer than a page) cannot be written whole.
STOP_READING_REQUESTS = """
import fcntl as _fcntl, sys as _sys, time as _time
_fcntl.fcntl(int(_sys.argv[1]), 1031, 4096)
_worker = _sys.modules["__main__"]
_receive, _served = _worker.receive, []
def _receive_once():
    if _served:
        while True:
            _time.sleep(3600)
    _served.append(1)
    return _receive()
_worker.receive = _receive_once
"""


def test_a_request_pipe_learner_code_shrinks_and_stops_reading_costs_a_timeout_not_a_hang(
    isolation, grade, make_folder
):
    ex08 = (REFERENCE_DIR / "ex08_natural_gradient.py").read_text() + STOP_READING_REQUESTS
    started = time.monotonic()
    result = grade(make_folder({"ex08": ex08}), timeout=2.0)
    assert time.monotonic() - started < 60
    by_id = {e.id: e for e in result.exercises}
    assert by_id["ex08"].status == "timeout", by_id["ex08"].message
    assert all(e.score == e.max_score for e in result.exercises if e.id != "ex08")
