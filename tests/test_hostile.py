"""Hostile and broken learner code costs its own exercise only, and leaves nothing behind.

Each case replaces exercise 2's module with hostile code; the other exercises are the
reference and must keep full marks. After grading, no process started for the worker may
still be running.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from grader.course import EXERCISES, PROJECT_DIR, REFERENCE_DIR
from grader.isolation.sandbox import forget_probes, isolation_mode, tagged_processes
from tests.helpers import by_id

TARGET = "ex02"
REFERENCE_TAIL = (PROJECT_DIR / "reference" / "ex02_gradient_geometry.py").read_text()

HOSTILE = {
    "busy_loop_in_call": ("timeout", "def grad_f(x, y):\n    while True:\n        pass\n"),
    "hang_at_import": ("timeout", "while True:\n    pass\n"),
    "sleep_ignoring_signals": (
        "timeout",
        "import signal, time\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\ndef grad_f(x, y):\n    time.sleep(1000)\n",
    ),
    "segfault": ("error", "import ctypes\ndef grad_f(x, y):\n    return ctypes.string_at(0)\n"),
    "os_exit_in_call": ("error", "import os\ndef grad_f(x, y):\n    os._exit(0)\n"),
    "sys_exit_at_import": ("error", "import sys\nsys.exit(3)\n"),
    "keyboard_interrupt": ("error", "def grad_f(x, y):\n    raise KeyboardInterrupt\n"),
    "deep_recursion_crash": (  # Python 3.11+ grows frames on the heap: MemoryError or time-out
        ("error", "timeout"),
        "import sys\nsys.setrecursionlimit(10**8)\ndef grad_f(x, y):\n    return grad_f(x, y)\n",
    ),
    "endless_recursion": ("error", "def grad_f(x, y):\n    return grad_f(x, y)\n"),
    "memory_bomb": ("error", "def grad_f(x, y):\n    return bytearray(8 << 30)\n"),
    "forks_children": (
        "timeout",
        "import os, time\nfor _ in range(20):\n    if os.fork() == 0:\n        time.sleep(1000)\n"
        "        os._exit(0)\nwhile True:\n    time.sleep(1)\n",
    ),
    "escaping_child": (
        "error",
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(1000)\nimport sys\nsys.exit(1)\n",
    ),
}


def assert_only_target_lost(result, status: str) -> None:
    exercises = by_id(result)
    assert exercises[TARGET].score == 0, exercises[TARGET]
    assert exercises[TARGET].status in (status if isinstance(status, tuple) else (status,)), exercises[TARGET].message
    assert exercises[TARGET].message
    for exercise in EXERCISES:
        if exercise.id != TARGET:
            assert exercises[exercise.id].score == exercises[exercise.id].max_score, exercises[exercise.id]
    assert tagged_processes() == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_exercise_scores_zero_alone(name, make_folder, grade):
    status, source = HOSTILE[name]
    result = grade(make_folder({TARGET: source}), timeout=2.0)
    assert_only_target_lost(result, status)


def test_flooded_prints_are_capped_and_the_exercise_still_graded(make_folder, grade):
    flood = "import sys\nfor _ in range(20000):\n    print('x' * 1000)\n    print('y' * 1000, file=sys.stderr)\n"
    result = grade(make_folder({TARGET: flood + REFERENCE_TAIL}), timeout=5.0)
    exercise = by_id(result)[TARGET]
    assert exercise.score == exercise.max_score  # printing is not wrong, only noisy
    assert len(exercise.output) < 30_000 and "trimmed" in exercise.output
    assert result.score == result.max_score


def test_flooding_file_descriptors_directly_is_capped(make_folder, grade):
    flood = "import os\nwhile True:\n    os.write(1, b'x' * 65536)\n    os.write(2, b'y' * 65536)\n"
    result = grade(make_folder({TARGET: flood}), timeout=5.0)
    assert_only_target_lost(result, "error")
    assert "File too large" in by_id(result)[TARGET].message
    assert len(by_id(result)[TARGET].output) < 30_000


def test_patching_numpy_and_pytest_wins_nothing(make_folder, grade):
    patcher = (
        "import builtins, numpy as np, numpy.testing\n"
        "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\nbuiltins.abs = lambda x: 0\n"
        "try:\n    import pytest\n    pytest.approx = lambda *a, **k: object()\nexcept ImportError:\n    pass\n"
        "class Liar(float):\n    def __eq__(self, other):\n        return True\n"
        "    def __sub__(self, other):\n        return 0.0\n"
        "class LiarArray(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
        "def grad_f(x, y):\n    return np.zeros(2).view(LiarArray)\n"
        "def level_curve_tangent(x, y):\n    return Liar(1.0)\n"
        "def steepest_descent_dir(x, y):\n    return [Liar(0.0), Liar(0.0)]\n"
    )
    result = grade(make_folder({TARGET: patcher}))
    assert_only_target_lost(result, "failed")


def test_forged_result_files_do_not_change_the_results(make_folder, grade, tmp_path):
    out = tmp_path / "out"
    forged = json.dumps({"score": 100, "max_score": 100, "exercises": []})
    forger = (
        "import os\nforged = {!r}\n"
        "for place in ['results.json', '../results.json', {!r}, {!r}, '/tmp/results.json']:\n"
        "    try:\n        open(place, 'w').write(forged)\n    except OSError:\n        pass\n"
    ).format(forged, str(out / "results.json"), str(out / "report.html"))
    result = grade(make_folder({TARGET: forger}), out_dir=out)
    assert_only_target_lost(result, "error")
    written = json.loads((out / "results.json").read_text())
    assert written["score"] == result.score < result.max_score
    assert by_id(result)[TARGET].score == 0


def test_importing_the_reference_fails(make_folder, grade):
    hunter = (
        "import sys, os\nsys.path[:0] = ['..', '../..', '../reference', 'reference']\n"
        "from reference.ex02_gradient_geometry import grad_f, level_curve_tangent, steepest_descent_dir\n"
    )
    result = grade(make_folder({TARGET: hunter}))
    assert_only_target_lost(result, "error")


@pytest.mark.skipif(isolation_mode()[0] != "bubblewrap", reason="only namespaces hide files by absolute path")
def test_reference_is_out_of_reach_by_absolute_path(make_folder, grade):
    reference = str(PROJECT_DIR / "reference")
    hunter = (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('r', {reference!r} + '/ex02_gradient_geometry.py')\n"
        "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\n"
        "grad_f, level_curve_tangent = module.grad_f, module.level_curve_tangent\n"
    )
    result = grade(make_folder({TARGET: hunter}))
    assert_only_target_lost(result, "error")
    assert "FileNotFoundError" in by_id(result)[TARGET].message


def test_one_worker_reused_and_a_fresh_one_after_a_crash(make_folder, grade, monkeypatch):
    from grader.isolation import sandbox

    started = []
    original = sandbox.Worker.__init__

    def counting(self, *args, **kwargs):
        started.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(sandbox.Worker, "__init__", counting)
    grade(make_folder())
    assert len(started) == 1
    started.clear()
    result = grade(make_folder({TARGET: HOSTILE["segfault"][1]}))
    assert len(started) == 2
    assert_only_target_lost(result, "error")


def test_scratch_writes_do_not_touch_the_submission(make_folder, grade):
    folder = make_folder({TARGET: "open('written.txt', 'w').write('x')\n" + REFERENCE_TAIL})
    grade(folder)
    assert not (folder / "written.txt").exists()


def test_worker_sees_no_grader_environment(make_folder, grade, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cret")
    spy = "import os\nassert 'GRADER_SECRET_TOKEN' not in os.environ\n" + REFERENCE_TAIL
    result = grade(make_folder({TARGET: spy}))
    assert by_id(result)[TARGET].score == by_id(result)[TARGET].max_score


def test_results_record_the_isolation(make_folder, grade):
    result = grade(make_folder())
    assert result.isolation == isolation_mode()[0]
    assert result.isolation_reason


def test_timeout_of_one_exercise_does_not_slow_the_others(make_folder, grade):
    result = grade(make_folder({TARGET: HOSTILE["busy_loop_in_call"][1]}), timeout=1.0)
    assert result.duration_s < 1.0 + 5.0
    assert_only_target_lost(result, "timeout")


def test_a_function_that_runs_out_of_time_costs_only_its_own_checks_and_its_callers(make_folder, grade):
    """The exercise's other functions are checked in a fresh process: one slow function, one charge."""
    slow = "\n\nimport time\n\n\ndef extreme_directions(p):\n    time.sleep(60)\n"
    ex03 = (REFERENCE_DIR / "ex03_directional_derivatives.py").read_text() + slow
    result = by_id(grade(make_folder({"ex03": ex03}), timeout=1.0))["ex03"]
    for check in result.checks:
        expected = "timeout" if check.name.startswith("extreme_directions") else "passed"
        assert check.status == expected, (check.name, check.message)
    neutral = next(c for c in result.checks if c.name.startswith("neutral_directions"))
    assert neutral.inherits == ["extreme_directions"], neutral.message  # it calls it, as the reference does
    assert result.status == "timeout" and "fresh process" in result.message


def test_a_caller_that_hangs_only_when_judged_again_leaves_the_exercise_as_it_ended(make_folder, grade):
    """Judged again with a right grad_f, the tangent hangs: the verdicts stand, and nothing timed out before."""
    source = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text() + (
        "\n\ndef grad_f(x, y):\n    return np.zeros(2)\n\n\n"
        "def level_curve_tangent(x, y):\n    g = grad_f(x, y)\n    while np.any(g != 0):\n        pass\n"
        "    return np.array([1.0, 0.0])\n"
    )
    result = by_id(grade(make_folder({"ex02": source}), timeout=1.0))["ex02"]
    assert result.status != "timeout" and "time limit" not in result.message, (result.status, result.message)


def test_both_isolation_modes_grade_alike(make_folder, grade, monkeypatch):
    folder = make_folder({TARGET: HOSTILE["os_exit_in_call"][1]})
    first = grade(folder)
    monkeypatch.setenv("GRADER_ISOLATION", "process")
    isolation_mode.cache_clear()
    try:
        second = grade(folder)
    finally:
        monkeypatch.delenv("GRADER_ISOLATION")
        isolation_mode.cache_clear()
    assert second.isolation == "process"
    assert [e.score for e in first.exercises] == [e.score for e in second.exercises]
    assert_only_target_lost(second, "error")


def test_no_leftover_processes_at_all():
    assert tagged_processes() == []


def test_bubblewrap_is_used_wherever_it_works():
    """A mistake in the sandbox's own setup must not silently fall back to weaker isolation."""
    import shutil
    import subprocess

    bwrap = shutil.which("bwrap")
    if bwrap is None:
        pytest.skip("bwrap is not installed: process isolation is expected")
    plain = subprocess.run([bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True)
    if plain.returncode != 0:
        pytest.skip(f"this machine forbids namespaces: {plain.stderr.decode().strip()}")
    assert isolation_mode()[0] == "bubblewrap", isolation_mode()[1]


@pytest.fixture
def failing_bwrap(monkeypatch):
    """A `bwrap` first on PATH that fails as on a machine without user namespaces; probes forgotten before and after."""
    bin_dir = Path(tempfile.mkdtemp(prefix="grader-test-bin-"))  # where the worker's user may run it
    bin_dir.chmod(0o755)
    fake = bin_dir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    forget_probes()
    yield lambda: monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    forget_probes()
    shutil.rmtree(bin_dir)


def test_a_machine_where_bwrap_cannot_make_namespaces_grades_in_process_mode(make_folder, grade, failing_bwrap):
    """The first worker's own start is the probe of bubblewrap: where it fails, the grading goes on in process mode."""
    failing_bwrap()
    greeting = "print('hello from ex01, ' * 20)\n"
    first = greeting + (PROJECT_DIR / "reference" / "ex01_partial_derivatives.py").read_text()
    result = grade(make_folder({"ex01": first, TARGET: HOSTILE["os_exit_in_call"][1]}))
    assert isolation_mode()[0] == "process"
    assert result.isolation == "process"
    assert "No permissions to create new namespace" in result.isolation_reason
    assert_only_target_lost(result, "error")
    assert not any("bwrap" in e.output for e in result.exercises)  # its complaint is not a learner's output
    assert by_id(result)["ex01"].output.strip() == ("hello from ex01, " * 20).strip()  # the learner's, whole


def test_a_start_while_the_first_is_under_way_never_probes(failing_bwrap):
    """Only a process's first worker may fall back; another started meanwhile (a thread's) fails loudly instead."""
    from grader.isolation.sandbox import Limits, WorkerRefused, Workspace

    failing_bwrap()
    first, second = Workspace(Limits()), Workspace(Limits())
    try:
        first.worker.reset(timeout=30)
        assert first.worker.mode == "process"
        with pytest.raises(WorkerRefused, match="grader error"):
            second.worker.reset(timeout=30)
        assert second.worker.mode == "bubblewrap"
    finally:
        first.close()
        second.close()


def test_after_the_first_start_a_failed_start_is_a_grader_error_never_a_probe(make_folder, grade, failing_bwrap):
    """Once a worker has started, and learner code may have run, no later start probes or falls back."""
    if shutil.which("bwrap") is None or isolation_mode()[0] != "bubblewrap":
        pytest.skip("needs a machine where bubblewrap works")
    forget_probes()
    first = grade(make_folder({TARGET: HOSTILE["os_exit_in_call"][1]}))
    assert first.isolation == "bubblewrap" and isolation_mode.cache_info().currsize == 0  # its own start was the probe
    failing_bwrap()  # what learner code can never do; a start that fails for any reason is the same
    second = grade(make_folder({TARGET: HOSTILE["os_exit_in_call"][1]}))
    assert isolation_mode.cache_info().currsize == 0  # no probe ran
    assert second.isolation == "bubblewrap"
    assert {e.status for e in second.exercises} == {"grader error"}, [(e.id, e.status) for e in second.exercises]
