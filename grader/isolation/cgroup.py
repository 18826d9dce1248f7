"""A control group per worker, where the host allows one: bounds on the whole process tree.

rlimits bound each process on its own; a fork bomb is many processes. When the grader may
create cgroups (root on a cgroup v1 host with the pids and memory controllers, or a delegated
cgroup v2 subtree), each worker gets one with a process count and a memory bound that every
descendant shares, and which lists every descendant (``members``), even one that left the
worker's session, for killing. Where cgroups are unavailable this is a no-op and ``available()`` says why.

A worker whose grading process has CPUs of its own (a batch's) is also held to those CPUs, where
the cpuset and cpu controllers can be used: learner code could otherwise move itself onto a
neighbour's CPU (``sched_setaffinity``) and slow that student's exercises into timeouts.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

V1_ROOTS = {"pids": Path("/sys/fs/cgroup/pids"), "memory": Path("/sys/fs/cgroup/memory")}
V1_CPU_ROOTS = {"cpuset": Path("/sys/fs/cgroup/cpuset"), "cpu": Path("/sys/fs/cgroup/cpu")}
V2_ROOT = Path("/sys/fs/cgroup")
CPU_PERIOD_US = 100_000


def own_cgroup(controller: str) -> Path:
    """The grader's own cgroup for ``controller`` ("" for v2), so workers nest inside it."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return Path("/")
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return Path(path)
    return Path("/")


@functools.cache
def available() -> tuple[bool, str]:
    """Whether workers get a cgroup here, and why (not)."""
    if (V2_ROOT / "cgroup.controllers").is_file():
        controllers = (V2_ROOT / "cgroup.subtree_control").read_text().split()
        if {"pids", "memory"} <= set(controllers) and os.access(V2_ROOT, os.W_OK):
            return True, "cgroup v2 (pids and memory)"
        return False, "cgroup v2 without delegated pids and memory controllers"
    if all(os.access(root, os.W_OK) for root in V1_ROOTS.values()):
        return True, "cgroup v1 (pids and memory)"
    return False, "no writable pids and memory cgroups (needs root, or a delegated cgroup)"


def cpu_bounds_available() -> bool:
    """Whether a worker can be held to its CPUs here (a cpuset it cannot leave)."""
    if not available()[0]:
        return False
    if (V2_ROOT / "cgroup.controllers").is_file():
        return "cpuset" in _v2_delegated()
    return os.access(_inside(V1_CPU_ROOTS["cpuset"], "cpuset"), os.W_OK)


def _inside(root: Path, controller: str) -> Path:
    return root / str(own_cgroup(controller)).lstrip("/")


class WorkerCgroup:
    """The cgroup(s) of one worker: created before it starts, removed after it is killed."""

    def __init__(self, paths: list[Path]):
        self.paths = paths

    @classmethod
    def create(cls, name: str, max_processes: int, memory_bytes: int, cpus: set[int] | None = None) -> WorkerCgroup:
        """Make the cgroup(s) ``name`` with these bounds; none where cgroups cannot be made here.

        With ``cpus`` (fewer than the machine has), the worker is also kept on them where the
        controllers allow: a cpuset, and a CPU quota of as many CPUs.
        """
        group = cls([])
        if not available()[0]:
            return group
        if (V2_ROOT / "cgroup.controllers").is_file():
            limits = {_inside(V2_ROOT, "") / name: {"pids.max": max_processes, "memory.max": memory_bytes}}
        else:
            limits = {
                _inside(V1_ROOTS["pids"], "pids") / name: {"pids.max": max_processes},
                _inside(V1_ROOTS["memory"], "memory") / name: {"memory.limit_in_bytes": memory_bytes},
            }
        try:
            group._make(limits)
        except OSError:
            group.remove()
            group.paths = []
            return group
        if cpus and len(cpus) < (os.cpu_count() or 0):
            group._hold_to(name, cpus)
        return group

    def _hold_to(self, name: str, cpus: set[int]) -> None:
        """Keep the worker on ``cpus`` where the controllers allow; the pids and memory bounds hold
        either way, and the CPUs are then kept by affinity alone."""
        listed, quota = ",".join(str(cpu) for cpu in sorted(cpus)), len(cpus) * CPU_PERIOD_US
        if (V2_ROOT / "cgroup.controllers").is_file():  # the same folder as the other bounds
            for key, value in _v2_cpu_settings(listed, quota).items():
                try:
                    (_inside(V2_ROOT, "") / name / key).write_text(value)
                except OSError:
                    pass
            return
        cpu_group = WorkerCgroup([])
        try:
            cpu_group._make(_v1_cpu_limits(name, listed, quota))
            self.paths += cpu_group.paths
        except OSError:
            cpu_group.remove()

    def _make(self, limits: dict[Path, dict[str, str | int]]) -> None:
        for path, settings in limits.items():
            path.mkdir()
            self.paths.append(path)
            for key, value in settings.items():
                (path / key).write_text(str(value))

    @classmethod
    def existing(cls, name: str) -> WorkerCgroup:
        """The cgroup(s) ``name`` that a worker of another grading process left behind."""
        if not available()[0]:
            return cls([])
        return cls([root / name for root in worker_roots() if (root / name).is_dir()])

    def enter(self) -> None:
        """Move the calling process in (called in the worker between fork and exec)."""
        for path in self.paths:
            with open(path / "cgroup.procs", "w") as procs:
                procs.write(str(os.getpid()))

    def members(self) -> set[int]:
        found = set()
        for path in self.paths:
            try:
                found |= {int(line) for line in (path / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return found

    def remove(self) -> None:
        for path in self.paths:
            try:
                path.rmdir()
            except OSError:
                pass


def _v2_cpu_settings(listed: str, quota: int) -> dict[str, str]:
    enabled = _v2_delegated()
    settings = {"cpuset.cpus": listed} if "cpuset" in enabled else {}
    return settings | ({"cpu.max": f"{quota} {CPU_PERIOD_US}"} if "cpu" in enabled else {})


def _v2_delegated() -> set[str]:
    """The controllers the grader's own cgroup hands down to the workers' cgroups inside it."""
    try:
        return set((_inside(V2_ROOT, "") / "cgroup.subtree_control").read_text().split())
    except OSError:
        return set()


def _v1_cpu_limits(name: str, listed: str, quota: int) -> dict[Path, dict[str, str | int]]:
    limits: dict[Path, dict[str, str | int]] = {}
    cpuset, cpu = (_inside(V1_CPU_ROOTS[c], c) for c in ("cpuset", "cpu"))
    if os.access(cpuset, os.W_OK):  # a new v1 cpuset starts with no CPUs and no memory nodes
        limits[cpuset / name] = {"cpuset.mems": (cpuset / "cpuset.mems").read_text().strip(), "cpuset.cpus": listed}
    if os.access(cpu, os.W_OK):
        limits[cpu / name] = {"cpu.cfs_period_us": CPU_PERIOD_US, "cpu.cfs_quota_us": quota}
    return limits


def worker_roots() -> list[Path]:
    """Where this process's workers' cgroups are made (one folder per v1 controller)."""
    if (V2_ROOT / "cgroup.controllers").is_file():
        return [_inside(V2_ROOT, "")]
    roots = [_inside(root, controller) for controller, root in V1_ROOTS.items()]
    return roots + [_inside(root, controller) for controller, root in V1_CPU_ROOTS.items() if root.is_dir()]


def remove_empty(prefix: str, min_age_s: float) -> None:
    """Remove empty cgroups named ``prefix``* older than ``min_age_s``: a live worker is in its own."""
    if not available()[0]:
        return
    now = time.time()
    for root in worker_roots():
        for path in root.glob(prefix + "*") if root.is_dir() else ():
            try:
                if now - path.stat().st_mtime > min_age_s and not (path / "cgroup.procs").read_text().split():
                    path.rmdir()
            except OSError:
                pass
