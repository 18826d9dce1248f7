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
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course import EXERCISES, REFERENCE_DIR
from grader.isolation import sandbox
from grader.model import CheckStatus, ExerciseStatus
from tests.adversarial.conftest import CONFINED, SOLUTION, ZEROS, recording

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
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))  # its own limits
os.setpriority(os.PRIO_PROCESS, 0, 1)
print("SELF", os.getpriority(os.PRIO_PROCESS, 0))
"""
    graded = hostile(uses + SOLUTION, score=10.0, status="passed")
    assert "SCRATCH scratch TEMP True" in graded.target.output and "PROC Name:" in graded.target.output
    assert "SELF 1" in graded.target.output


def test_a_confinement_that_cannot_be_applied_is_the_graders_error_and_runs_no_learner_code(
    isolation, grade, make_folder, monkeypatch
):
    # A confinement the worker cannot apply (here, a malformed rule): the worker proves the
    # confinement before any student and refuses to grade without it.
    malformed = {"read": [42], "write": [], "devices": [], "landlock": True, "seccomp": False}
    monkeypatch.setattr(sandbox, "_confinement", lambda *args: malformed)
    result = grade(make_folder({"ex02": "print('LEARNER CODE RAN')\n" + SOLUTION}), timeout=5.0)
    assert {e.status for e in result.exercises} == {ExerciseStatus.GRADER_ERROR}
    assert all(c.status == CheckStatus.GRADER_ERROR for e in result.exercises for c in e.checks)
    assert "LEARNER CODE RAN" not in "".join(e.output for e in result.exercises)
    assert "not a fresh, confined start" in result.exercises[1].message


def test_doctor_names_what_the_confinement_covers(isolation):
    doctor = subprocess.run([sys.executable, "-m", "grader", "doctor"], capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 0, doctor.stderr
    assert "Landlock (version" in doctor.stdout and "writes to the scratch copy only" in doctor.stdout


# What a process of the worker's user could do to others that Landlock does not cover: each
# attempt prints DENIED or DONE.
BEYOND_LANDLOCK = """
import ctypes, fcntl, os, resource, signal, socket

signal.signal(signal.SIGIO, signal.SIG_IGN)
libc = ctypes.CDLL(None, use_errno=True)


def attempt(name, action):
    try:
        result = action()
    except OSError as error:
        print("DENIED", name, error.errno)
        return
    print("DENIED" if result == -1 else "DONE", name)


def connect(family, kind, protocol, address):
    with socket.socket(family, kind, protocol) as s:
        s.settimeout(1)
        s.connect(address)
        s.sendall(b"reached")


attempt("mptcp", lambda: connect(socket.AF_INET, socket.SOCK_STREAM, 262, ("127.0.0.1", {port})))
attempt("unix", lambda: connect(socket.AF_UNIX, socket.SOCK_STREAM, 0, {unix!r}))
attempt("udp", lambda: connect(socket.AF_INET, socket.SOCK_DGRAM, 0, ("127.0.0.1", {port})))
open("mine.txt", "w").close()
attempt("chmod", lambda: os.chmod("mine.txt", 0o600))
attempt("utime", lambda: os.utime("mine.txt", (0, 0)))
attempt("prlimit", lambda: resource.prlimit(os.getppid(), resource.RLIMIT_CPU, (1, 1)))
attempt("setpriority", lambda: os.setpriority(os.PRIO_PROCESS, os.getppid(), 19))
attempt("setpriority of its user", lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt("ioprio_set of its user", lambda: libc.syscall(251, 3, 0, 7))  # IOPRIO_WHO_USER, itself: lowest
attempt("lease", lambda: fcntl.fcntl(1, fcntl.F_SETLEASE, fcntl.F_WRLCK))  # on the grader's output file
attempt("shmget", lambda: libc.shmget(0x5EED, 4096, 0o1666))
attempt("keyctl", lambda: libc.syscall(250, 0x11, -4, 0, 0, 0))  # KEYCTL_DESCRIBE on the user keyring
attempt("io_uring", lambda: libc.syscall(425, 4, ctypes.create_string_buffer(120)))  # io_uring_setup
"""


@pytest.fixture
def listeners():
    """A TCP (and MPTCP) listener on 127.0.0.1 and a UNIX one in a folder anyone may enter; what they heard."""
    folder = Path("/var/tmp") / f"grader-listener-{random.getrandbits(64):x}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    tcp, unix = socket.create_server(("127.0.0.1", 0)), socket.socket(socket.AF_UNIX)
    unix.bind(str(folder / "socket"))
    (folder / "socket").chmod(0o777)
    unix.listen()
    try:
        with recording(tcp, unix) as heard:
            yield tcp.getsockname()[1], str(folder / "socket"), heard
    finally:
        shutil.rmtree(folder)


@pytest.mark.skipif(not sandbox.seccomp_filter(), reason="no seccomp filter on this machine (Linux on x86-64 only)")
def test_confined_code_may_not_reach_sockets_files_it_owns_or_other_processes(isolation, hostile, listeners):
    port, unix, heard = listeners
    graded = hostile(BEYOND_LANDLOCK.format(port=port, unix=unix) + ZEROS, score=0.0, status="failed")
    output = graded.target.output
    assert "DONE" not in output and output.count("DENIED") == 13, output
    assert heard == []


LINGERER = """
import ctypes, os, time

if os.fork() == 0:  # an ordinary child, left running when the exercise ends
    ctypes.CDLL(None).prctl(15, b"lingerer-{key}", 0, 0, 0)  # PR_SET_NAME: its name in /proc/<pid>/comm
    time.sleep(60)
    os._exit(0)
"""
FIND_LINGERER = """
import os


def _running(pid):  # its name, unless it is gone or a zombie (dead, not yet reaped)
    try:
        with open(f"/proc/{{pid}}/stat") as stat:
            head, tail = stat.read().rsplit(")", 1)
        name, state = head.split("(", 1)[1], tail.split()[0]
    except (OSError, IndexError):
        return ""
    return "" if state in "ZX" else name


_left = [p for p in os.listdir("/proc") if p.isdigit() and _running(p) == "lingerer-{key}"]
assert not _left, f"a process of exercise 2 is still running: {{_left}}"
"""


def test_processes_of_confined_code_are_ended_without_a_pid_namespace(isolation, hostile, monkeypatch):
    # Without a PID namespace (not root, or a container that refuses one) the student's process
    # ends an exercise's processes by the token in their environment, which it must be able to
    # read: confined learner processes stay readable to it.
    monkeypatch.setattr(sandbox, "_leave_host_namespaces", lambda *args: None)
    key = f"{random.getrandbits(24):x}"
    inspector = {"ex03": FIND_LINGERER.format(key=key) + (REFERENCE_DIR / f"{EXERCISES[2].module}.py").read_text()}
    hostile(LINGERER.format(key=key) + SOLUTION, score=10.0, status="passed", replace=inspector)
