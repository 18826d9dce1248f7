"""Process mode's confinement (Landlock): what learner code may still touch, and what happens when it cannot be had.

Where bubblewrap cannot make namespaces, the exercise's process confines itself before any
learner code runs (``grader/isolation/landlock.py``). These tests hold it to its promise on a
machine whose kernel offers Landlock, with files the worker's user could otherwise read, and show
that a confinement the worker cannot apply stops the grading as the grader's error: learner code
never runs unconfined where the grader asked for confinement.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.isolation import sandbox
from grader.model import CheckStatus, ExerciseStatus
from tests.adversarial.conftest import CONFINED, SOLUTION, ZEROS

pytestmark = [
    pytest.mark.skipif(not CONFINED, reason="the kernel offers no Landlock here (grader doctor says why)"),
    pytest.mark.parametrize("isolation", ["process"], indirect=True),
]

READ_EVERYTHING = """
import os

for path in {paths!r}:
    try:
        if os.path.isdir(path):
            print("LISTED", path, sorted(os.listdir(path))[:5])
        else:
            with open(path) as file:
                print("READ", path, file.read(80))
    except OSError as error:
        print("DENIED", path, error.errno)
"""


@pytest.fixture
def world_readable_secret():
    """A file any user may read, in a folder any user may enter, outside everything the worker needs."""
    folder = Path("/var/tmp") / f"grader-confinement-{random.getrandbits(64):x}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    secret = f"secret {random.getrandbits(64)}"
    (folder / "secret.txt").write_text(secret)
    (folder / "secret.txt").chmod(0o644)
    try:
        yield folder / "secret.txt", secret
    finally:
        shutil.rmtree(folder)


def test_confined_code_reads_only_the_system_python_and_its_own_copy(isolation, hostile, world_readable_secret):
    path, secret = world_readable_secret
    outside = [str(path), str(path.parent), "/etc/hostname", "/var/tmp", "/root", str(Path.home())]
    graded = hostile(READ_EVERYTHING.format(paths=outside) + ZEROS, score=0.0, status="failed")
    assert secret not in graded.target.output
    assert graded.target.output.count("DENIED") == sum(Path(p).exists() for p in outside), graded.target.output


def test_confined_code_still_has_what_an_exercise_needs(isolation, hostile):
    # NumPy's own files and the standard library (imported lazily), the device nodes Python uses,
    # its working folder (read and write) and its own process's /proc.
    uses = """
import json, fractions, os, tempfile
import numpy as np
np.linalg.svd(np.eye(3))
with open("/dev/urandom", "rb") as r, open("/dev/null", "w") as n:
    n.write(str(r.read(4)))
with open("notes.txt", "w") as notes:
    notes.write("scratch")
print("SCRATCH", open("notes.txt").read(), "TEMP", tempfile.gettempdir() == os.getcwd())
print("PROC", open("/proc/self/status").read().split()[0])
"""
    graded = hostile(uses + SOLUTION, score=10.0, status="passed")
    assert "SCRATCH scratch TEMP True" in graded.target.output and "PROC Name:" in graded.target.output


def test_a_confinement_that_cannot_be_applied_is_the_graders_error_and_runs_no_learner_code(
    isolation, grade, make_folder, monkeypatch
):
    # A confinement the worker cannot apply (here, a malformed rule): the worker proves the
    # confinement before any student and refuses to grade without it.
    monkeypatch.setattr(sandbox, "_confinement", lambda *args: {"read": [42], "write": [], "devices": []})
    result = grade(make_folder({"ex02": "print('LEARNER CODE RAN')\n" + SOLUTION}), timeout=5.0)
    assert {e.status for e in result.exercises} == {ExerciseStatus.GRADER_ERROR}
    assert all(c.status == CheckStatus.GRADER_ERROR for e in result.exercises for c in e.checks)
    assert "LEARNER CODE RAN" not in "".join(e.output for e in result.exercises)
    assert "not a fresh, confined start" in result.exercises[1].message


def test_doctor_names_what_the_confinement_covers(isolation):
    doctor = subprocess.run([sys.executable, "-m", "grader", "doctor"], capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 0, doctor.stderr
    assert "Landlock (version" in doctor.stdout and "writes to the scratch copy only" in doctor.stdout
