"""``grader doctor``: what isolation learner code gets on this machine, and why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy

from grader.isolation import cgroup, landlock, seccomp
from grader.isolation.sandbox import (
    Limits,
    isolation_mode,
    landlock_abi,
    process_mode_namespaces,
    seccomp_filter,
    worker_identity,
)


def print_diagnosis() -> None:
    mode, reason = isolation_mode()
    limits = Limits()
    identity = worker_identity()
    print(f"Isolation mode: {mode} ({reason})")
    bwrap = shutil.which("bwrap")
    if bwrap:
        version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"  bubblewrap: {bwrap} ({version})")
    else:
        print("  bubblewrap: not installed (Debian: apt-get install bubblewrap)")
    grouped, why = cgroup.available()
    print(f"  process tree bounds: {'yes' if grouped else 'no'}, {why}")
    print(f"  running as: uid {os.geteuid()}; Python {sys.executable}")
    print(f"  learner code runs as: {identity.why} (the grader has NumPy {numpy.__version__})")
    print(
        f"  limits: {limits.timeout_s:g} s per exercise, {limits.memory_bytes >> 20} MiB address space per process,"
        f" {limits.output_bytes >> 20} MiB output kept, {limits.file_bytes >> 20} MiB per file"
    )
    print("  bytecode: never written or read beside the learner's files (every module compiled from its source)")
    if mode == "bubblewrap":
        print(
            f"  sandbox: no network; only the Python installation visible (read-only); /dev holds null, zero, random"
            f" and urandom, read-only; private /tmp, /dev/shm and working folder of {limits.tmp_bytes >> 20} MiB each"
        )
        print(
            "  fresh start per student: new user, mount, IPC and PID namespaces with new private folders, proved"
            " empty (or a new sandbox where nested namespaces are refused)"
        )
    else:
        _print_process_mode(identity.dropped)
    if grouped:
        print(f"  whole worker tree: at most {limits.max_processes} processes, {limits.tree_memory_bytes >> 30} GiB")


def _print_process_mode(dropped: bool) -> None:
    print("  fresh start per student: a new worker and a new scratch folder for every student")
    abi = landlock_abi()
    if abi:
        print(f"  Landlock (version {abi}) confines learner code: {'; '.join(landlock.protections(abi))}")
    else:
        print(
            "  warning: no Landlock here (an older kernel, or refused): learner code reads and writes whatever"
            " its user may, and only namespaces (below) close the network"
        )
    if seccomp_filter():
        print(f"  seccomp filter: {'; '.join(seccomp.PROTECTIONS)}")
    else:
        print("  warning: no seccomp filter here (Linux on x86-64 only): sockets and SysV IPC are open")
    if dropped:
        print(
            "  as root: the worker runs without groups, with no_new_privs; it cannot signal or inspect the grader,"
            " write the grader's files, or read files that user may not read; every reference is loaded first"
        )
        if process_mode_namespaces():
            print(
                "  network, IPC, PID and mount namespaces of its own: no network; its processes end with it at once;"
                " private /tmp and /dev/shm"
            )
        else:
            print("  warning: the kernel refuses new namespaces here: the network, /tmp and /dev/shm are the host's")
    if not abi:
        print(
            "  warning: process mode cannot hide files learner code's user can read (keep the course's folder"
            " unreadable to it, as the Gradescope setup.sh does); install bubblewrap for namespace isolation"
            " (see SECURITY.md)"
        )
