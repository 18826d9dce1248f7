"""CPU time of a whole process tree, sandboxed workers included, for the benchmarks.

``time`` and ``RUSAGE_CHILDREN`` miss the workers: they run in bubblewrap's PID namespace and
are not always waited for by a process that counts them. A control group counts every process
started inside it, wherever it goes afterwards (the workers' own pids and memory groups are on
other controllers). Where no cpuacct group can be made (not root, no delegated cgroup v2), the
whole machine's busy time from /proc/stat stands in: then anything else running is counted too,
and the figures say so.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup/cpuacct")
V2_ROOT = Path("/sys/fs/cgroup")


def _own(controller: str) -> str:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path.lstrip("/")
    return ""


class TreeCPU:
    """A cpuacct group this process (and so everything it starts) runs in while entered."""

    def __init__(self) -> None:
        self.group: Path | None = None
        self.kind = "machine"  # "cgroup": the tree only; "machine": the whole machine (/proc/stat)
        name = f"bench-{secrets.token_hex(4)}"
        candidates = [
            (V1_ROOT / _own("cpuacct") / name, "v1"),
            (V2_ROOT / _own("") / name, "v2"),
        ]
        for group, version in candidates:
            if version == "v1" and not V1_ROOT.is_dir():
                continue
            if version == "v2" and not (V2_ROOT / "cgroup.controllers").is_file():
                continue
            try:
                group.mkdir()
            except OSError:
                continue
            self.group, self.version, self.kind = group, version, "cgroup"
            break

    def __enter__(self) -> TreeCPU:
        if self.group is not None:
            self._home = self.group.parent
            try:
                (self.group / "cgroup.procs").write_text(str(os.getpid()))
            except OSError:
                self.group.rmdir()
                self.group, self.kind = None, "machine"
        return self

    def __exit__(self, *exc) -> None:
        if self.group is not None:
            (self._home / "cgroup.procs").write_text(str(os.getpid()))
            try:
                self.group.rmdir()
            except OSError:
                pass  # a process left inside: the group goes when it ends

    def kernel_seconds(self) -> float | None:
        """CPU seconds the tree spent in the kernel so far (system time); None without a group."""
        if self.group is not None and self.version == "v1":
            for line in (self.group / "cpuacct.stat").read_text().splitlines():
                if line.startswith("system "):
                    return int(line.split()[1]) / os.sysconf("SC_CLK_TCK")
        if self.group is not None:
            for line in (self.group / "cpu.stat").read_text().splitlines():
                if line.startswith("system_usec "):
                    return int(line.split()[1]) / 1e6
        return None

    def seconds(self) -> float:
        """CPU seconds used so far (by the tree, or by the whole machine)."""
        if self.group is not None and self.version == "v1":
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        if self.group is not None:
            for line in (self.group / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        busy = sum(int(v) for i, v in enumerate(fields[:8]) if i not in (3, 4))  # all but idle and iowait
        return busy / os.sysconf("SC_CLK_TCK")
