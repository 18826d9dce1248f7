"""``grader doctor``: what isolation learner code gets on this machine, and why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from grader.isolation import cgroup
from grader.isolation.sandbox import Limits, isolation_mode


def print_diagnosis() -> None:
    mode, reason = isolation_mode()
    limits = Limits()
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
    print(
        f"  limits: {limits.timeout_s:g} s per exercise, {limits.memory_bytes >> 20} MiB address space per process,"
        f" {limits.output_bytes >> 20} MiB output kept, {limits.file_bytes >> 20} MiB per file"
    )
    if mode == "bubblewrap":
        print(
            f"  sandbox: no network; only the Python installation visible (read-only); private /tmp of "
            f"{limits.tmp_bytes >> 20} MiB; the submission's scratch copy is the only other writable place"
        )
    else:
        print(
            "  warning: process mode cannot hide files this user can read (the reference included) and cannot"
            " block the network; install bubblewrap for namespace isolation (see SECURITY.md)"
        )
    if grouped:
        print(f"  whole worker tree: at most {limits.max_processes} processes, {limits.tree_memory_bytes >> 30} GiB")
