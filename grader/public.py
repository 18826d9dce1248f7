"""Public checks: the grading a student can run without the reference solutions.

The instructor's grading compares learner answers with the reference at inputs seeded from
each submission: the hidden inputs. A student's repository has no reference, so it ships
recorded expectations instead. ``record`` grades the reference once at the fixed
``PUBLIC_SEED`` and keeps

- every random draw of every check, in order (so the public inputs do not depend on the
  student's NumPy version), and
- every answer the reference gave, keyed by function and arguments (the diagnoses' known
  mistakes are evaluated at every input while recording, so they are kept too).

A public run replays them (``grader.checking.inputs.PublicInputs``): the same check modules,
the same messages, at the public inputs only. Nothing about the hidden inputs is in the
recording, and nothing of the checks marked ``hidden``: those run only in the instructor's
grading. Recording is a step above grading: it calls ``grader.grading`` like any other run.
"""

from __future__ import annotations

import functools

from grader.checking.checks import explaining_every_case
from grader.checking.inputs import PUBLIC_SEED, PublicInputs, Recording
from grader.course import PACKAGE_DIR, REFERENCE_DIR
from grader.grading import grade_with_inputs
from grader.isolation import wire

EXPECTATIONS_FILE = PACKAGE_DIR / "public_expectations.grw"


def record(seed: int = PUBLIC_SEED) -> Recording:
    """Grade the reference at ``seed``, recording every draw and every reference answer."""
    recording = Recording(seed)
    with explaining_every_case():
        result = grade_with_inputs(REFERENCE_DIR, recording)
    if result.score != result.max_score:
        raise RuntimeError(f"the reference scores {result.score}/{result.max_score} at seed {seed}: fix it first")
    return recording


@functools.cache
def public_inputs() -> PublicInputs:
    """The shipped recording, or (in the instructor's tree, which has none) a fresh one."""
    if EXPECTATIONS_FILE.is_file():
        return PublicInputs.from_frame(EXPECTATIONS_FILE.read_bytes())
    return PublicInputs.from_frame(wire.pack(record().data))  # through the file format, as shipped
