"""Cost of a fresh start per student: the worker's reset against a new sandbox for every student.

For N students, each loads one module (the reference's exercise 1) in the worker and ends it,
then the next student starts either with ``Workspace.reset()`` (under bubblewrap: new user,
mount, IPC and PID namespaces and new private folders, in the same worker, NumPy already
imported) or with a whole new ``Workspace`` (a new sandbox, Python and NumPy). Prints the
wall-clock time per student and the ratio. (CPU time is not printed: a sandbox's processes die
with their PID namespace, unaccounted to the grader.)

    python benchmarks/bench_reset.py [--students 40]
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable

from grader.course import EXERCISES, REFERENCE_DIR
from grader.isolation.sandbox import Limits, Workspace, isolation_mode

MODULE = EXERCISES[0].module


def grade_one(workspace: Workspace) -> None:
    shutil.copyfile(REFERENCE_DIR / f"{MODULE}.py", workspace.scratch / f"{MODULE}.py")
    request = {"op": "open", "kind": "module", "module": MODULE, "path": f"{MODULE}.py"}
    reply = workspace.worker.request(request, 30)
    assert reply.get("ok") and not reply.get("errors"), reply
    workspace.worker.request({"op": "close"}, 30)


def measure(students: int, next_student: Callable[[Workspace], Workspace]) -> float:
    """Wall-clock seconds per student."""
    started = time.perf_counter()
    workspace = Workspace(Limits())
    for _ in range(students):
        grade_one(workspace)
        workspace = next_student(workspace)
    workspace.close()
    return (time.perf_counter() - started) / students


def reset(workspace: Workspace) -> Workspace:
    workspace.reset()
    return workspace


def replace(workspace: Workspace) -> Workspace:
    workspace.close()
    return Workspace(Limits())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=40)
    args = parser.parse_args()
    print(f"isolation: {isolation_mode()[0]}; {args.students} students, one exercise each")
    figures = {"reset in the same worker": measure(args.students, reset)}
    figures["new sandbox per student"] = measure(args.students, replace)
    for name, wall in figures.items():
        print(f"  {name:26s} {wall * 1000:7.1f} ms per student")
    reset_wall, new_wall = figures.values()
    print(f"  a new sandbox per student takes {new_wall / reset_wall:.1f}x the time")


if __name__ == "__main__":
    main()
