"""Resources: memory, processes, threads, disk and output, each within a bound or cleaned up.

Bounded in both modes: one process's address space (2 GiB), one file's size (16 MiB), the output
kept (2 MB) and the time; every process an exercise started, detached or not, is ended when the
exercise ends; where the grader may create cgroups (grader/isolation/cgroup.py; ``grader doctor`` says),
also the worker's whole tree: 64 processes and threads, 4 GiB of memory. Under bubblewrap /tmp,
/dev/shm and the working folder are private tmpfs of 64 MiB each and the rest is read-only. Not
bounded (SECURITY.md, Known gaps): the scratch folder, /tmp and /dev/shm in process mode (the
host's); processes and tree memory without cgroups. Each gap has a test here that fails while it
is open (``known_gap``). Bombs are bounded by the tests themselves (200 processes, 1.5 GiB,
256 MiB of files) so that the machine running them is safe.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.isolation import cgroup
from grader.isolation.sandbox import Limits, process_mode_namespaces
from tests.adversarial.conftest import CONFINED, SOLUTION, ZEROS, gap, known_gap

# Process mode shares the host's /tmp and /dev/shm, except as root where the kernel allows a
# mount namespace (the worker then gets private, size-capped ones) or where Landlock confines
# learner code (it cannot write them at all).
HOST_TMP = not process_mode_namespaces() and not CONFINED

# ------------------------------------------------------------------ memory

MEMORY_BOMB = """
import numpy as np

blocks = []
while True:
    blocks.append(np.ones(1 << 25))  # 256 MiB, every page written: real memory, not reservations
"""


def test_a_memory_bomb_that_writes_its_pages_stops_at_the_limit(hostile):
    graded = hostile(MEMORY_BOMB + SOLUTION, score=0.0, status="error", timeout=10.0)
    assert "MemoryError" in graded.target.message


MEMORY_ACROSS_PROCESSES = """
import os, select, time
import numpy as np

children = {}
for _ in range(3):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        block = np.ones(1 << 26)  # 512 MiB, every page written
        os.write(w, b"1")
        time.sleep(60)
        os._exit(0)
    children[r] = pid
reported, deadline = set(), time.monotonic() + 3
while len(reported) < len(children) and time.monotonic() < deadline:
    ready, _, _ = select.select([r for r in children if r not in reported], [], [], 0.1)
    reported |= {r for r in ready if os.read(r, 1) == b"1"}
time.sleep(0.5)
alive = [r for r in reported if os.waitpid(children[r], os.WNOHANG) == (0, 0)]
print(f"HELD {len(alive)} x 512 MiB")
for pid in children.values():
    try:
        os.kill(pid, 9)
    except OSError:  # killed already, for going over the bound
        pass
"""
TREE_MEMORY = 1 << 30  # the test lowers the bound of the whole tree to 1 GiB, to stay cheap


@known_gap(
    "without cgroups, memory is bounded per process only (RLIMIT_AS): the worker's tree may hold any multiple of it",
    condition=not cgroup.available()[0],
)
def test_memory_summed_over_processes_is_capped(isolation, hostile):
    limits = Limits(timeout_s=15.0, tree_memory_bytes=TREE_MEMORY)
    # Over the bound the kernel kills a process of the tree: a child, the exercise's process or
    # the worker; the exercise scores 0 in any case (its functions return zeros).
    graded = hostile(MEMORY_ACROSS_PROCESSES + ZEROS, score=0.0, status=("failed", "error"), limits=limits)
    held = int(re.search(r"HELD (\d) x 512 MiB", graded.target.output).group(1))
    gap(held * (512 << 20) <= TREE_MEMORY, f"the learner's processes held {held} x 512 MiB at once")


# ------------------------------------------------------------------ processes and threads

FORK_BOMB = """
import os, time

forked = 0
for _ in range(200):  # bounded: never an unbounded bomb on a shared machine
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    forked += 1
print(f"FORKED {forked}")
"""


def test_a_fork_bomb_leaves_no_process_behind(isolation, hostile):
    graded = hostile(FORK_BOMB + ZEROS, score=0.0, status="failed")
    assert "FORKED" in graded.target.output  # the harness checked that none of them is left


@known_gap(
    "without cgroups, the number of processes is not bounded (no RLIMIT_NPROC; root ignores it anyway)",
    condition=not cgroup.available()[0],
)
def test_the_number_of_processes_is_capped(isolation, hostile):
    graded = hostile(FORK_BOMB + ZEROS, score=0.0, status="failed")
    forked = int(re.search(r"FORKED (\d+)", graded.target.output).group(1))
    gap(forked < Limits().max_processes, f"the learner started {forked} processes")


THREAD_BOMB = """
import threading

started = 0
try:
    for _ in range(2000):
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        started += 1
except (RuntimeError, MemoryError):
    pass
print(f"THREADS {started}")
"""


def test_a_thread_bomb_does_not_stop_a_right_answer_being_graded(hostile):
    # Documented score: full marks. The threads die with the exercise's process; nothing is left.
    graded = hostile(THREAD_BOMB + SOLUTION, score=10.0, status="passed")
    assert "THREADS" in graded.target.output


DETACHED_KILLER = """
import os, signal, time

WORKER, MINE = os.getppid(), os.getpid()
if os.fork() == 0:
    os.setsid()  # out of the exercise's process group, which is killed when the exercise ends
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != MINE:
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if parent == WORKER:  # the next exercise's process
                    os.kill(int(entry), signal.SIGKILL)
        time.sleep(0.002)
    os._exit(0)
"""


def test_a_detached_process_cannot_reach_the_next_exercise(isolation, hostile):
    # Every process of the tree but the worker is ended after each exercise, detached or not: the
    # next exercises keep their points. Where /proc shows other users' processes (process mode as
    # root) its kill raises; the exception takes it back into the worker's code, where it ends.
    hostile(DETACHED_KILLER + ZEROS, score=0.0, status="failed")


# ------------------------------------------------------------------ disk

FILLER = """
import os

written = 0
try:
    for n in range(16):  # 16 files of up to 16 MiB (the largest file allowed): up to 256 MiB in all
        with open(os.path.join({folder!r}, f"{prefix}-{{n}}"), "wb") as file:
            for _ in range({per_file}):
                file.write(bytes(1 << 20))
                written += 1
except OSError as error:
    print("STOPPED", error)
print(f"WROTE {{written}} MiB")
"""


def fill(folder: str, prefix: str, per_file: int = 16) -> str:
    return FILLER.format(folder=folder, prefix=prefix, per_file=per_file) + ZEROS


def test_filling_the_scratch_folder_leaves_nothing_behind(isolation, hostile):
    graded = hostile(fill(".", "filler"), score=0.0, status="failed")
    assert "WROTE" in graded.target.output  # the harness checked that the grader's temp folder is gone


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",  # the working folder is a tmpfs of Limits.tmp_bytes
        pytest.param(
            "process",
            marks=known_gap("process isolation: the scratch folder is on the host's disk, only each file is capped"),
        ),
    ],
    indirect=True,
)
def test_the_scratch_folder_is_size_capped(isolation, hostile):
    graded = hostile(fill(".", "filler"), score=0.0, status="failed")
    written = int(re.search(r"WROTE (\d+) MiB", graded.target.output).group(1))
    gap(written <= Limits().tmp_bytes >> 20, f"the learner wrote {written} MiB into the scratch folder")


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",
        pytest.param(
            "process",
            marks=known_gap("process isolation: /tmp is the host's, and files written there stay", HOST_TMP),
        ),
    ],
    indirect=True,
)
def test_files_written_to_tmp_do_not_outlive_the_grading(isolation, hostile, tmp_marker):
    graded = hostile(fill("/tmp", tmp_marker), score=0.0, status="failed")
    assert "WROTE" in graded.target.output
    left = sorted(p.name for p in Path("/tmp").glob(tmp_marker + "*"))
    gap(left == [], f"{len(left)} files written by the learner are still in the host's /tmp")


@pytest.mark.parametrize(
    "isolation",
    [
        "bubblewrap",
        pytest.param("process", marks=known_gap("process isolation: /tmp is the host's, with no size cap", HOST_TMP)),
    ],
    indirect=True,
)
def test_tmp_is_size_capped(isolation, hostile, tmp_marker):
    graded = hostile(fill("/tmp", tmp_marker), score=0.0, status="failed")
    written = int(re.search(r"WROTE (\d+) MiB", graded.target.output).group(1))
    gap(written <= Limits().tmp_bytes >> 20, f"the learner wrote {written} MiB into /tmp")


# ------------------------------------------------------------------ output

FLOOD_PAST_THE_PRINT_CAP = """
import os, sys

chunk = "z" * 65536
for stream in (sys.__stdout__, sys.__stderr__, os.fdopen(os.dup(1), "w")):
    try:
        for _ in range(200):  # 12.5 MiB per stream, past the 16 MiB file cap in all
            stream.write(chunk)
        stream.flush()
    except OSError:
        pass
"""


def test_a_flood_on_the_original_streams_is_capped_and_a_right_answer_still_graded(hostile):
    # sys.__stdout__, sys.__stderr__ and a duplicate of fd 1 bypass the worker's capped stdout;
    # the output file's size limit (RLIMIT_FSIZE) stops them. Printing is not wrong: full marks.
    graded = hostile(FLOOD_PAST_THE_PRINT_CAP + SOLUTION, score=10.0, status="passed", timeout=5.0)
    assert len(graded.target.output) < 30_000 and "trimmed" in graded.target.output
    assert len(graded.report) < 1_000_000


@pytest.mark.parametrize(
    "isolation, folder",
    [
        ("bubblewrap", "/dev/shm"),  # a tmpfs of Limits.tmp_bytes
        ("bubblewrap", "/opt"),  # bubblewrap's root, remounted read-only
        pytest.param(
            "process",
            "/dev/shm",
            marks=known_gap("process isolation: /dev/shm is the host's, with no size cap", HOST_TMP),
        ),
    ],
    indirect=["isolation"],
)
def test_no_other_writable_place_is_unbounded(isolation, folder, hostile, tmp_marker):
    graded = hostile(fill(folder, tmp_marker, per_file=8), score=0.0, status="failed")  # up to 128 MiB
    written = int(re.search(r"WROTE (\d+) MiB", graded.target.output).group(1))
    gap(written <= Limits().tmp_bytes >> 20, f"the learner wrote {written} MiB into {folder}")


def test_on_cgroup_v2_a_pinned_workers_cgroup_also_holds_its_cpus(tmp_path, monkeypatch):
    """cgroup v2 keeps every controller's bounds in one folder: the CPU ones join the pids and memory ones."""
    from grader.isolation import cgroup

    (tmp_path / "cgroup.controllers").write_text("cpuset cpu memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("cpuset cpu memory pids\n")
    monkeypatch.setattr(cgroup, "V2_ROOT", tmp_path)
    monkeypatch.setattr(cgroup, "own_cgroup", lambda controller: Path("/"))
    monkeypatch.setattr(cgroup.os, "cpu_count", lambda: 4)
    cgroup.available.cache_clear()
    try:
        group = cgroup.WorkerCgroup.create("grader-test", 64, 1 << 30, cpus={1})
    finally:
        cgroup.available.cache_clear()
    assert group.paths == [tmp_path / "grader-test"]
    assert (tmp_path / "grader-test" / "cpuset.cpus").read_text() == "1"
    assert (tmp_path / "grader-test" / "cpu.max").read_text() == f"{cgroup.CPU_PERIOD_US} {cgroup.CPU_PERIOD_US}"
    assert (tmp_path / "grader-test" / "pids.max").read_text() == "64"
