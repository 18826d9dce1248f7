"""Error carried forward: a caller right with a right callee keeps its points, and says whose error it inherits.

The wrong solutions with ``# inherits:`` lines cover each pair of the contract; these tests cover
what they cannot: the report and terminal show the chain, a caller wrong on its own is still
charged, the public run degrades honestly, and the callback from the worker is bounded and
answers nothing but the callees of the check.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from rich.console import Console

from grader.checking.carried import CALLEE_NUMBERS_FLOOR, RightCallees
from grader.course import EXERCISES, REFERENCE_DIR, load_reference
from grader.exporters.gradescope import to_gradescope
from grader.isolation.wire import Fn
from grader.reporting.report import render_report
from grader.reporting.terminal import print_feedback
from tests.helpers import by_id, check_named

EX02 = next(e for e in EXERCISES if e.id == "ex02")
EX06 = next(e for e in EXERCISES if e.id == "ex06")
WRONG_GRAD = "\n\ndef grad_f(x, y):\n    return np.array([2.0 * x + y, 2.0 * y])  # the x of xy forgotten\n"
TANGENT = "level_curve_tangent_is_unit_and_perpendicular"
DESCENT = "steepest_descent_is_unit_negative_gradient"


def ex02_with(tmp_path, extra: str):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / f"{EX02.module}.py").write_text((REFERENCE_DIR / f"{EX02.module}.py").read_text() + WRONG_GRAD + extra)
    return folder


def test_the_report_and_the_terminal_show_whose_error_a_caller_inherits(tmp_path, grade):
    result = grade(ex02_with(tmp_path, ""), only=["ex02"])
    exercise = by_id(result)["ex02"]
    assert exercise.score == 6  # grad_f's 4 points lost once; its callers keep their 6
    html = render_report(result)
    assert html.count("Inherits the error of grad_f") == 2
    console = Console(record=True, width=200)
    print_feedback(result, console=console)
    assert console.export_text().count("Inherits the error of grad_f") == 2
    outputs = [t["output"] for t in to_gradescope(result)["tests"]]
    assert sum("Inherits the error of grad_f" in output for output in outputs) == 2


def test_a_caller_wrong_on_its_own_is_still_charged(tmp_path, grade):
    unnormalised = "\n\ndef level_curve_tangent(x, y):\n    g = grad_f(x, y)\n    return np.array([-g[1], g[0]])\n"
    exercise = by_id(grade(ex02_with(tmp_path, unnormalised), only=["ex02"]))["ex02"]
    tangent = check_named(exercise, TANGENT)
    assert tangent.score == 0 and "Inherits" not in tangent.message
    assert check_named(exercise, DESCENT).inherits == ["grad_f"]


def test_a_public_run_says_when_it_cannot_tell(tmp_path, grade):
    # f is symmetric: grad_f(y, x) reversed is grad f(x, y), right, but asked where the recording has no answer.
    swapped = (
        "\n\ndef level_curve_tangent(x, y):\n    g = grad_f(y, x)[::-1]\n"
        "    return np.array([-g[1], g[0]]) / np.linalg.norm(g)\n"
    )
    folder = ex02_with(tmp_path, swapped)
    hidden = check_named(by_id(grade(folder, only=["ex02"]))["ex02"], TANGENT)
    assert hidden.score == hidden.max_score and hidden.inherits == ["grad_f"]
    public = check_named(by_id(grade(folder, only=["ex02"], public=True))["ex02"], TANGENT)
    assert public.score == 0 and "the public checks cannot tell" in public.message


def test_callbacks_are_bounded(tmp_path, grade):
    greedy = (
        "\n\ndef level_curve_tangent(x, y):\n    for _ in range(30_000):\n        g = grad_f(x, y)\n"
        "    return np.array([-g[1], g[0]]) / np.linalg.norm(g)\n"
    )
    exercise = by_id(grade(ex02_with(tmp_path, greedy), only=["ex02"]))["ex02"]
    tangent = check_named(exercise, TANGENT)
    assert tangent.score == 0 and "Inherits" not in tangent.message
    assert check_named(exercise, "grad_f_matches_reference").status == "failed"


def test_a_forged_callback_gets_nothing_but_the_checks_callees(tmp_path, grade):
    # During the judgement again, learner code forges a callback for the function under test itself.
    forger = """

import sys


def level_curve_tangent(x, y):
    worker = sys.modules["__main__"]
    cells = [c.cell_contents for c in (getattr(grad_f, "__closure__", None) or ())]
    request_id = next((c for c in cells if isinstance(c, str) and c != "grad_f"), None)
    if request_id is not None:
        worker.send({"id": request_id, "callback": "level_curve_tangent", "args": [x, y], "kwargs": {}})
        answer = worker.receive()
        if answer.get("ok"):
            return answer["value"]
    return np.array([1.0, 0.0])
"""
    exercise = by_id(grade(ex02_with(tmp_path, forger), only=["ex02"]))["ex02"]
    tangent = check_named(exercise, TANGENT)
    assert tangent.score == 0 and "Inherits" not in tangent.message
    assert check_named(exercise, DESCENT).score == check_named(exercise, DESCENT).max_score


def test_a_caller_of_an_unimplemented_callee_keeps_its_points(tmp_path, grade):
    stub = "\n\ndef grad_f(x, y):\n    raise NotImplementedError\n"
    exercise = by_id(grade(ex02_with(tmp_path, stub), only=["ex02"]))["ex02"]
    assert check_named(exercise, "grad_f_matches_reference").score == 0
    for name in (TANGENT, DESCENT):
        kept = check_named(exercise, name)
        assert kept.score == kept.max_score and kept.inherits == ["grad_f"], kept.message


def test_a_callee_asked_far_beyond_its_callers_inputs_is_not_answered():
    # The reference answers in the grader's process, where nothing can stop a call once it runs.
    reference = load_reference(EX06)
    callees = RightCallees(reference, {"gradient_check": ("numerical_gradient",)})
    f = Fn("lambda v: float(np.sum(v ** 2))")
    caller_args = [(f, np.ones(3), np.arange(3.0))]
    answer = callees.answerer(caller_args)

    near = answer({"callback": "numerical_gradient", "args": [f, np.arange(3.0)], "kwargs": {}})
    assert near["ok"] and np.allclose(near["value"], [0.0, 2.0, 4.0])
    big = np.zeros(CALLEE_NUMBERS_FLOOR + 1)
    far = answer({"callback": "numerical_gradient", "args": [f, big], "kwargs": {}})
    assert not far["ok"] and "far more than its caller was given" in far["message"]
    wide_caller = callees.answerer([(f, big, big)])  # a caller given big inputs may pass them on
    assert wide_caller({"callback": "numerical_gradient", "args": [f, np.zeros(3)], "kwargs": {}})["ok"]
    assert len(wide_caller.keywords) == 1 and wide_caller.keywords["max_numbers"] >= 2 * big.size


def test_a_caller_that_asks_its_callee_about_huge_inputs_cannot_stall_the_grader(tmp_path):
    # numerical_gradient's reference takes time growing with the square of x's size: at 200,000
    # entries, fifty calls would keep the grader busy for hours, beyond any exercise's timeout.
    folder = tmp_path / "submission"
    folder.mkdir()
    source = (REFERENCE_DIR / f"{EX06.module}.py").read_text()
    (folder / f"{EX06.module}.py").write_text(
        source
        + "\n\ndef numerical_gradient(f, x, h=1e-5):\n    return np.zeros_like(x)\n"
        + "\n\ndef gradient_check(f, grad, x, h=1e-5, eps=1e-8):\n"
        + "    for _ in range(50):\n        numerical_gradient(f, np.zeros(200_000), h)\n    return 0.0\n"
    )
    script = (
        "import json, sys\nfrom grader.grade import grade_submission\n"
        "result = grade_submission(sys.argv[1], only=['ex06'])\nprint(json.dumps(result.to_dict()))\n"
    )
    # A generous bound: without the cap this runs for hours; with it, seconds.
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    exercise = next(e for e in json.loads(done.stdout)["exercises"] if e["id"] == "ex06")
    checks = {c["name"]: c for c in exercise["checks"]}
    assert checks["gradient_check_random_claims"]["score"] == 0
    assert not checks["gradient_check_random_claims"].get("inherits")


FLOAT32_HELPERS = """

def mse_loss(X, y, w):
    X, y, w = (np.asarray(a, np.float32) for a in (X, y, w))
    r = X @ w - y
    return np.mean(r * r)


def mse_grad(X, y, w):
    X, y, w = (np.asarray(a, np.float32) for a in (X, y, w))
    return 2 / X.shape[0] * X.T @ (X @ w - y)
"""


def test_a_right_caller_of_float32_callees_keeps_its_points(tmp_path, grade):
    """Float32 answers are right at float32 precision; a right caller built on them is not charged for it."""
    module = next(e for e in EXERCISES if e.id == "ex05").module
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / f"{module}.py").write_text((REFERENCE_DIR / f"{module}.py").read_text() + FLOAT32_HELPERS)
    exercise = by_id(grade(folder, only=["ex05"], seed=1))["ex05"]  # a seed where float32 mse_grad is close enough
    assert exercise.score == 10, [c.message for c in exercise.checks if c.status != "passed"]
    trajectory = check_named(exercise, "gradient_descent_lr_trajectory")
    assert trajectory.message.startswith("Inherits the float32 precision of mse_loss and mse_grad")
    assert "compute in float64" in trajectory.message and trajectory.inherits == ["mse_loss", "mse_grad"]


def test_a_float32_callee_forgives_no_other_callees_mistake(tmp_path, grade):
    """Only the callee that answered in float32 is judged again in float64; a callee wrong only inside
    the caller stays the learner's."""
    module = next(e for e in EXERCISES if e.id == "ex05").module
    wrong_inside_the_descent = """

import sys as _sys


def mse_loss(X, y, w):
    r = X @ w - y
    return np.float32(np.mean(r * r))


_right_grad = mse_grad


def mse_grad(X, y, w):
    g = _right_grad(X, y, w)
    return 0.5 * g if _sys._getframe(1).f_code.co_name == "gradient_descent_lr" else g
"""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / f"{module}.py").write_text((REFERENCE_DIR / f"{module}.py").read_text() + wrong_inside_the_descent)
    exercise = by_id(grade(folder, only=["ex05"], seed=1))["ex05"]
    assert check_named(exercise, "gradient_descent_lr_trajectory").score == 0
