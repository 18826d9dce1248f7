"""The grader's channel: learner code can reach the worker's pipes, and must win nothing there.

The exercise's process holds the request and reply pipes (their numbers are in ``sys.argv``) and
the worker's own functions (``import __main__``). What it writes there is decoded by a reader
that trusts nothing (grader/isolation/wire.py); what it reads there it cannot answer in time. The values
it can forge are values its functions could have returned anyway: no points without right
answers. Frames written in advance lack the random id of the request they would answer and are
skipped (test_a_forged_frame_cannot_reach_the_next_exercise); replies are capped at 4 MiB of JSON
(test_a_reply_header_cannot_blow_up_the_graders_memory).
"""

from __future__ import annotations

import pytest

from grader.checking.session import LearnerFunction
from tests.adversarial.conftest import ENDED_IN_GRAD_F, SOLUTION

CHANNEL = {
    # name: (exercise 2's source, its score, its status, a phrase of its message)
    "garbage_on_the_reply_pipe": (
        SOLUTION + "\n\nimport os, sys\n\n\ndef grad_f(x, y):\n"
        "    os.write(int(sys.argv[2]), b'this is not a frame' * 100)\n    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,
        "error",
        "garbled the grader's channel",
    ),
    "a_frame_prefix_announcing_four_gigabytes": (
        SOLUTION + "\n\nimport os, struct, sys\n\n\ndef grad_f(x, y):\n"
        "    os.write(int(sys.argv[2]), struct.pack('>4sIQ', b'GRW1', 2**32 - 1, 2**63))\n"
        "    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,
        "error",
        "reply too large",
    ),
    "a_frame_that_never_ends": (
        # A valid prefix promising 200 MB, then silence: the grader waits for the bytes until the
        # time limit, without reserving memory for them.
        SOLUTION + "\n\nimport os, struct, sys, time\n\n\ndef grad_f(x, y):\n"
        "    os.write(int(sys.argv[2]), struct.pack('>4sIQ', b'GRW1', 2, 200 << 20) + b'{}')\n"
        "    time.sleep(3600)\n",
        ENDED_IN_GRAD_F,
        "timeout",
        "time limit",
    ),
    "stealing_the_graders_next_request": (
        SOLUTION + "\n\nimport os, sys\n\n\ndef grad_f(x, y):\n"
        "    os.read(int(sys.argv[1]), 1 << 16)\n    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,
        "timeout",
        "time limit",
    ),
    "a_forged_reply_at_import": (
        # The forged frame lacks the request's random id, so the grader skips it and reads the
        # real answers: the (right) solution is graded on what it returns, nothing else.
        "import __main__\n__main__.send({'ok': True, 'errors': []})\n" + SOLUTION,
        10.0,
        "passed",
        "",
    ),
    "patched_worker_says_every_call_went_well": (
        "import __main__\n__main__.call = lambda namespace, name, args: {'ok': True, 'value': 'PASS', 'mutated': []}\n"
        + SOLUTION,
        0.0,
        "failed",
        "returned a str",
    ),
    "patched_builtins_the_worker_relies_on": (
        "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 2\n" + SOLUTION,
        0.0,
        "error",
        "process running your code",
    ),
    "patched_json_encoder_in_the_worker": (
        # Replies then lack the request's id and are skipped until the exercise's time runs out.
        "import json\njson.dumps = lambda *a, **k: '{}'\n" + SOLUTION,
        0.0,
        "timeout",
        "time limit",
    ),
    "a_reply_with_a_field_of_the_wrong_kind": (
        # The open request's own id, found on the stack: the reply is taken, and its field is refused
        # as the learner's doing (never the grader's error).
        "import os, sys\nframe = sys._getframe()\n"
        "while frame.f_locals.get('request', {}).get('op') != 'open':\n"
        "    frame = frame.f_back\n"
        "frame.f_globals['send']({'id': frame.f_locals['request']['id'], 'ok': True, 'errors': [],"
        " 'dropped_output': 'lots'})\nos._exit(0)\n",
        0.0,
        "error",
        "garbled the grader's channel (dropped_output is not a count)",
    ),
    "patched_worker_reports_arguments_that_are_not_positions": (
        "import __main__\n__main__.call = lambda namespace, name, args: {'ok': True, 'value': 1.0, 'mutated': ['x']}\n"
        + SOLUTION,
        0.0,
        "error",
        "garbled the grader's channel",
    ),
    "closed_reply_pipe": (
        SOLUTION + "\n\nimport os, sys\n\n\ndef grad_f(x, y):\n    os.close(int(sys.argv[2]))\n"
        "    return _gradient(x, y)\n",
        ENDED_IN_GRAD_F,  # its process could not answer, and ended
        "error",
        "process running your code",
    ),
}


@pytest.mark.parametrize("name", sorted(CHANNEL))
def test_tampering_with_the_channel_costs_the_exercise_only(name, hostile):
    source, score, status, phrase = CHANNEL[name]
    graded = hostile(source, score=score, status=status, timeout=1.5)
    assert phrase in graded.target.message + " ".join(c.message for c in graded.target.checks)


FORGE_AHEAD = (
    SOLUTION
    + """

import __main__

forged = False


def steepest_descent_dir(x, y):
    # The last request of this exercise is this batch of 6 calls: answer it with a forged frame
    # first; the worker's real answer is then read as the reply to "close", and the worker's
    # report that the exercise ended is left for the next exercise's "open".
    global forged
    if not forged:
        forged = True
        __main__.send({"results": [{"ok": True, "value": np.zeros(2), "mutated": []}] * 6, "dropped_output": 0})
    g = _gradient(x, y)
    return -g / np.linalg.norm(g)
"""
)


def test_a_forged_frame_cannot_reach_the_next_exercise(hostile):
    # Every request carries a random id its reply must echo: the forged frame is skipped, the real
    # answers are graded, and nothing is left in the pipe for the next exercise.
    hostile(FORGE_AHEAD, score=10.0, status="passed", score_gap="exercise 2 made exercise 3 fail")


BREAK_THE_DECODER = """
import os, sys, struct

header = {header!r}
os.write(int(sys.argv[2]), struct.pack(">4sIQ", b"GRW1", len(header), 0) + header)
"""


@pytest.mark.parametrize(
    "header",
    [
        b'{"ok": true, "v": {"$array": {"dtype": "float64", "shape": [Infinity], "offset": 0, "nbytes": 0}}}',
        b'{"ok": true, "v": {"$array": {"dtype": "float64", "shape": [0, 1e20], "offset": 0, "nbytes": 0}}}',
        b'{"ok": true, "v": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        # 3 MB of dimensions: the decoder's message must not quote them into every check.
        b'{"ok": true, "v": {"$array": {"dtype": "float64", "shape": ['
        + b"1, " * 10**6
        + b'1], "offset": 0, "nbytes": 8}}}',
    ],
    ids=["infinite_shape", "dimension_beyond_int64", "deep_nesting", "a_million_dimensions"],
)
def test_a_reply_that_breaks_the_decoder_costs_the_exercise_only(header, hostile):
    # Whatever goes wrong while decoding a reply is a garbled channel: the worker is restarted
    # and the next exercise graded in full.
    source = BREAK_THE_DECODER.format(header=header) + SOLUTION
    graded = hostile(source, score=0.0, status="error")
    assert "garbled" in graded.target.message


EXPANDING_HEADER = """
import os, sys, struct

body = b"[]," * (((32 << 20) - 64) // 3)  # as many empty lists as the header cap allows
header = b'{"ok": true, "v": [' + body[:-1] + b"]}"
os.write(int(sys.argv[2]), struct.pack(">4sIQ", b"GRW1", len(header), 0) + header)
"""


def test_a_reply_header_cannot_blow_up_the_graders_memory(hostile):
    # The forged frame is read as the reply to "open"; the real one then garbles the first call.
    hostile(
        EXPANDING_HEADER + SOLUTION,
        score=0.0,
        status="error",
        timeout=10.0,
        memory_gap="a 32 MiB reply of empty lists",
    )


SHARED_BYTES = """
import os, sys, struct, json

entry = {"$array": {"dtype": "float64", "shape": [1 << 17], "offset": 0, "nbytes": 1 << 20}}
header = json.dumps({"ok": True, "v": [entry] * 1000}).encode()  # a thousand arrays, all on one MiB
os.write(int(sys.argv[2]), struct.pack(">4sIQ", b"GRW1", len(header), 1 << 20) + header + bytes(1 << 20))
"""


def test_arrays_sharing_the_bytes_of_a_reply_cannot_blow_up_the_graders_memory(hostile):
    # Decoded one by one, the forged reply to "open" would be a thousand copies of its blob (1 GiB).
    graded = hostile(SHARED_BYTES + SOLUTION, score=0.0, status="error", timeout=5.0)
    assert "sharing bytes" in graded.target.message


FORGED_END = """
import json, os, struct, sys

frame = sys._getframe()
while not (isinstance(frame.f_locals.get("request"), dict) and frame.f_locals["request"].get("op") == "open"):
    frame = frame.f_back
how = "crashed " + "\u2026" * 650_000  # 2 MB of JSON, in every message that says how it ended
header = json.dumps({"id": frame.f_locals["request"]["id"], "ended": True, "normal": False, "how": how}).encode()
os.write(int(sys.argv[2]), struct.pack(">4sIQ", b"GRW1", len(header), 0) + header)
os._exit(0)
"""


def test_a_forged_end_report_cannot_flood_the_outputs(hostile):
    # The harness holds results.json and report.html to their bounds.
    graded = hostile(FORGED_END + SOLUTION, score=0.0, status="error")
    assert "crashed" in graded.target.message and len(graded.target.message) < 400


# A child forked by learner code whose fork returns into the module, and then into the worker's
# own code: it must never answer the grader (it would race the exercise's process for every
# request, with answers of its own).
FORKED_TWIN = """
import os

TWIN = os.fork() == 0
"""
TWIN_ANSWERS_WRONGLY = """

if TWIN:
    def grad_f(x, y):
        return np.zeros(2)

    def level_curve_tangent(x, y):
        return np.zeros(2)
"""


def test_a_forked_twin_of_the_exercise_never_answers(isolation, hostile):
    for _ in range(3):  # a race would not lose every time
        hostile(FORKED_TWIN + SOLUTION + TWIN_ANSWERS_WRONGLY, score=10.0, status="passed")


def test_a_forged_list_of_changed_arguments_names_each_argument_once():
    # The worker reports which arguments a call changed in place; a forged reply may list any
    # number of positions, and the message of a check built on them would grow with the list.
    class Run:
        answers: list = []

        def call(self, function, cases, describe, callees=None):
            return [{"ok": True, "value": 1.0, "mutated": [1] * 1_000_000 + [0, 7]}]

    function = LearnerFunction(Run(), "f", ["x", "y"])
    assert function(1.0, 2.0) == 1.0
    assert function.mutated == ["x", "y"]
