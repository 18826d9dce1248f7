"""What a killed grading process leaves behind, found and removed.

A batch gives each of its grading processes a temporary folder of its own, named after the
batch's process id, and the workspaces of that grading process live in it. When a grading
process dies, the batch removes its folder and ends the processes still working in it (in
process mode a worker outlives its grader; under bubblewrap it dies with it) with everything
they started and their cgroups (once the run's other grading processes have ended, since only
the dead one knew their names). When the whole batch was killed, the next batch does the same
for every folder whose batch is gone, and removes cgroups left empty.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from grader.isolation import cgroup
from grader.isolation.sandbox import RUN_ID, kill_tagged_processes, kill_until_gone

PREFIX = "grader-batch-"
STALE_CGROUP_AGE_S = 60.0  # an empty worker cgroup older than this belongs to no live worker


def private_folder() -> Path:
    """A new temporary folder for one grading process of this batch.

    Its workers' users (a dedicated one in process mode as root) may pass through it to their
    own workspace, not list it.
    """
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    folder.chmod(0o711)
    return folder


def remove_folder(folder: Path) -> None:
    """End every process working in ``folder``, then remove it, read-only parts included."""
    tokens = set()
    for pid in _working_in(folder):
        token = _token_of(pid)
        if token:
            tokens.add(token)
    kill_until_gone(lambda: _working_in(folder))
    for token in tokens:
        kill_tagged_processes(token)
        _remove_cgroup(f"grader-{token}")
    _make_writable(folder)
    shutil.rmtree(folder, ignore_errors=True)


def remove_worker_cgroups_of_this_run() -> None:
    """Once every grading process of this run has ended: the cgroups its dead ones' workers left.

    A worker that dies with its grading process (bubblewrap's ``--die-with-parent``) leaves its
    cgroup behind, empty, under a name only the dead process knew; every other worker of the run
    has been ended and its cgroup removed by then.
    """
    if cgroup.available()[0]:
        for name in {path.name for root in cgroup.worker_roots() for path in root.glob(f"grader-{RUN_ID}-*")}:
            _remove_cgroup(name)


def remove_stale() -> None:
    """Remove what killed batches left: their grading processes' folders and empty worker cgroups."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        batch = folder.name[len(PREFIX) :].split("-", 1)[0]
        if batch.isdigit() and not _alive(int(batch)) and folder.is_dir() and not folder.is_symlink():
            remove_folder(folder)
    cgroup.remove_empty("grader-", STALE_CGROUP_AGE_S)


def _remove_cgroup(name: str) -> None:
    """Kill every member of a dead grader's worker cgroup (even one that dropped its token), remove it."""
    group = cgroup.WorkerCgroup.existing(name)
    kill_until_gone(group.members)
    group.remove()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _working_in(folder: Path) -> list[int]:
    """Processes whose working directory is ``folder`` or inside it."""
    inside, found = str(folder.resolve()), []
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cwd = os.readlink(f"/proc/{entry.name}/cwd")
            except OSError:
                continue
            if cwd == inside or cwd.startswith(inside + "/"):
                found.append(int(entry.name))
    return found


def _token_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            variables = environ.read().split(b"\0")
    except OSError:
        return ""
    for variable in variables:
        if variable.startswith(b"GRADER_WORKER_TOKEN="):
            return variable.split(b"=", 1)[1].decode(errors="replace")
    return ""


def _make_writable(folder: Path) -> None:
    """Learner code may leave folders read-only (0555) so that a plain removal fails: u+rwx on
    every folder, each opened relative to its parent without following links."""
    directory = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        stack = [os.open(folder, directory)]
    except OSError:
        return
    while stack:
        fd = stack.pop()
        try:
            os.fchmod(fd, stat.S_IRWXU)
            for name in os.listdir(fd):
                try:
                    stack.append(os.open(name, directory, dir_fd=fd))
                except OSError:
                    pass  # not a folder, or a link: removed as it is
        except OSError:
            pass
        finally:
            os.close(fd)
