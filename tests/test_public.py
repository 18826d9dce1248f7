"""Public checks: the same checks at recorded public inputs, without the reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from grader.checking.inputs import PUBLIC_SEED, PublicInputs, call_keys
from grader.course import ASSIGNMENTS_DIR, REFERENCE_DIR
from grader.grade import grade_submission
from grader.grading import grade_with_inputs
from grader.isolation import wire
from grader.public import public_inputs
from grader.reporting.report import render_report
from tests.helpers import by_id


def test_reference_scores_full_marks_and_stubs_nothing():
    solved = grade_submission(REFERENCE_DIR, public=True)
    assert solved.score == solved.max_score == 100
    assert solved.inputs == "public" and solved.seed == PUBLIC_SEED
    assert solved.command.endswith("--public")
    assert grade_submission(ASSIGNMENTS_DIR, public=True).score == 0


def test_reports_say_which_run_produced_the_score():
    public = render_report(grade_submission("examples/partial_folder", public=True))
    hidden = render_report(grade_submission("examples/partial_folder"))
    assert "Public checks, not the grade" in public and "Public checks" not in hidden
    assert "hidden inputs derived from this submission" in hidden


def test_public_and_hidden_runs_find_the_same_mistakes():
    public = by_id(grade_submission("examples/typical_mistakes", public=True))
    hidden = by_id(grade_submission("examples/typical_mistakes"))
    for exercise_id, exercise in hidden.items():
        for seen, graded in zip(public[exercise_id].checks, exercise.checks, strict=True):
            if "the public checks cannot tell" in seen.message:  # a callee asked where nothing was recorded
                assert graded.inherits, graded.message
            else:
                assert seen.status == graded.status, (exercise_id, seen.name, seen.message)


def keys_meet(a: tuple, b: tuple) -> bool:
    return bool(set(a) & set(b))


def test_call_keys_ignore_last_bit_differences_only():
    x = np.array([0.3, -1.7, 2.5])
    nudged = np.nextafter(x, np.inf)  # what another libm may give for a computed input
    assert keys_meet(call_keys("f", (x, 0.1)), call_keys("f", (nudged, np.nextafter(0.1, 1.0))))
    assert not keys_meet(call_keys("f", (x, 0.1)), call_keys("f", (x * (1 + 1e-8), 0.1)))
    assert not keys_meet(call_keys("f", (x, 0.1)), call_keys("g", (x, 0.1)))
    assert not keys_meet(call_keys("f", (x,)), call_keys("f", (tuple(x),)))
    assert not keys_meet(call_keys("f", (wire.Fn("lambda p: p[0]"),)), call_keys("f", (wire.Fn("lambda p: p[1]"),)))
    with pytest.raises(TypeError, match="Fn"):
        call_keys("f", (lambda p: p,))


def test_call_keys_of_large_arrays_survive_a_few_ulps_of_noise():
    """Inputs a check computes with BLAS or libm may differ by a few ulps on a student's machine."""
    rng = np.random.default_rng(5)
    for _ in range(2000):
        values = rng.normal(0, 10, 100)
        noisy = values + values * rng.integers(-4, 5, 100) * np.finfo(float).eps
        assert keys_meet(call_keys("f", (values,)), call_keys("f", (noisy,)))


def test_a_missing_recording_costs_only_its_checks_and_says_why():
    data = copy.deepcopy(public_inputs().data)
    data["answers"]["ex02_gradient_geometry"] = {}
    result = by_id(grade_with_inputs(REFERENCE_DIR, PublicInputs(data)))
    assert result["ex01"].score == 10
    broken = [c for c in result["ex02"].checks if c.status != "passed"]
    assert broken and all("cannot run on the public inputs" in c.message for c in broken)


def test_recording_survives_its_file_format(tmp_path):
    frame = wire.pack(public_inputs().data)
    reloaded = PublicInputs.from_frame(frame)
    assert grade_with_inputs(REFERENCE_DIR, reloaded).score == 100
    with pytest.raises(wire.WireError):
        PublicInputs.from_frame(frame[:-10])


def test_inputs_too_close_for_the_rounded_keys_are_told_apart_by_their_exact_keys():
    """An optimiser's last steps differ below the rounding: each gets its own answer, never a neighbour's."""
    from types import SimpleNamespace

    from grader.checking.inputs import NotRecorded, _RecordedModule, _RecordingModule

    answers, parameters, constants = {}, {}, {}
    recording = _RecordingModule(SimpleNamespace(double=lambda v: 2 * v), answers, parameters, constants, {})
    first, second = np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-13])  # the same rounded keys
    recording.double(first)
    recording.double(second)
    replay = _RecordedModule("m", answers, parameters, constants)
    assert np.array_equal(replay.double(first), 2 * first) and np.array_equal(replay.double(second), 2 * second)
    with pytest.raises(NotRecorded):  # a last-bit neighbour of either: which one it means cannot be told
        replay.double(np.nextafter(first, 3.0))
    lone = _RecordingModule(SimpleNamespace(double=lambda v: 2 * v), answers, parameters, constants, {})
    lone.double(np.array([5.0, 6.0]))
    assert np.array_equal(replay.double(np.nextafter([5.0, 6.0], 7.0)), [10.0, 12.0])  # no neighbour: found
