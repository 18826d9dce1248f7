"""Where one student's CPU goes: grader side by concern, worker side by stage.

Run by ``bench_batch.py`` in a fresh process (so, like a batch's grading process, it pays its
start-up once): grades the given students one after the other through the batch's own grading
loop, then measures the worker's fixed costs on their own. Prints one JSON object.

    python benchmarks/profile_students.py OUT.json STUDENT_PATH... [--profile STATS_FILE]

Without ``--profile`` the figures are plain CPU times. With it, the grading loop runs under
cProfile (CPU clock) and the stats are saved for ``grader_breakdown``, which buckets them: the
profile's overhead inflates every bucket alike, so its shares apply to the plain figures.
"""

from __future__ import annotations

import cProfile
import json
import multiprocessing
import pstats
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu import TreeCPU  # noqa: E402

# Where a function's own time is charged, by the file it is defined in (first match wins).
# Time in C code and in libraries the grader calls (NumPy, the standard library) is charged to
# the grader-side caller, so "checks" includes the NumPy work a check does.
BUCKETS = [
    ("pytest: collection, hooks, fixtures", ("/_pytest/", "/pluggy/", "/grader/checking/runner.py")),
    ("checks and comparisons", ("/grader/exercises/", "/grader/checking/checks.py")),
    ("diagnosis and value formatting", ("/grader/checking/diagnose.py",)),
    ("reference calls and inputs", ("/reference/", "/grader/checking/inputs.py")),
    ("worker traffic (wire, session)", ("/grader/isolation/wire.py", "/grader/checking/session.py")),
    ("worker start, reset, cleanup", ("/grader/isolation/sandbox.py", "/grader/isolation/cgroup.py")),
    ("loading the submission", ("/grader/submissions/", "/nbformat/", "/jsonschema/", "/fastjsonschema/")),
    ("report rendering", ("/jinja2/", "/markupsafe/", "/grader/reporting/", "/templates/", ".j2")),
    ("results JSON", ("/json/", "/grader/model.py", "/dataclasses.py")),
    ("grading pipeline, batch loop", ("/grader/grade.py", "/grader/grading.py", "/grader/batch.py")),
    ("scoring", ("/grader/checking/scoring.py",)),
]
OTHER = "other"


def bucket_of(filename: str) -> str | None:
    for name, patterns in BUCKETS:
        if any(p in filename for p in patterns):
            return name
    return None


def grader_breakdown(stats_file: str) -> dict[str, float]:
    """Share of the profiled CPU per bucket; unowned time flows up to the callers that own it."""
    stats = pstats.Stats(stats_file).stats  # {func: (cc, nc, tt, ct, callers)}
    totals: dict[str, float] = defaultdict(float)
    pending: dict[tuple, float] = {}
    for func, (_, _, own, _, _) in stats.items():
        owner = bucket_of(func[0])
        if owner:
            totals[owner] += own
        elif own:
            pending[func] = own
    for _ in range(12):  # up the call graph, a level per pass
        passed_up: dict[tuple, float] = defaultdict(float)
        for func, seconds in pending.items():
            callers = stats.get(func, (0, 0, 0, 0, {}))[4]
            weights = {c: max(v[3], 1e-12) for c, v in callers.items()}
            total = sum(weights.values())
            if not total:
                totals[OTHER] += seconds
                continue
            for caller, weight in weights.items():
                share = seconds * weight / total
                owner = bucket_of(caller[0])
                if owner:
                    totals[owner] += share
                else:
                    passed_up[caller] += share
        pending = passed_up
    totals[OTHER] += sum(pending.values())
    whole = sum(totals.values()) or 1.0
    return {name: seconds / whole for name, seconds in totals.items()}


def grade_all(paths: list[str]) -> dict:
    """Grade every path through the batch's grading loop in this process; count worker starts and forks."""
    from grader import batch, leftovers
    from grader.checking import session
    from grader.isolation import cgroup, sandbox

    counts = {"worker_starts": 0, "exercises_opened": 0, "worker_page_faults": 0}
    start, open_exercise, await_ready = sandbox.Worker.__init__, session.Session.open, sandbox.Worker._await_ready
    remove = cgroup.WorkerCgroup.remove

    def counted_start(self, *args, **kwargs):
        counts["worker_starts"] += 1
        start(self, *args, **kwargs)

    ready: set[int] = set()  # the cgroups of workers that started: a worker that never did is left out

    def counted_ready(self):  # the faults of its start (Python, NumPy) are left out
        await_ready(self)
        ready.add(id(self.cgroup))
        counts["worker_page_faults"] -= page_faults(self.cgroup)

    def counted_remove(self):
        if id(self) in ready:
            counts["worker_page_faults"] += page_faults(self)
        remove(self)

    def counted_open(self, exercise_id):
        run = open_exercise(self, exercise_id)
        counts["exercises_opened"] += run.code.kind != "missing"
        return run

    sandbox.Worker.__init__, session.Session.open = counted_start, counted_open
    sandbox.Worker._await_ready, cgroup.WorkerCgroup.remove = counted_ready, counted_remove
    ours, theirs = multiprocessing.Pipe()
    for index, path in enumerate(paths):
        ours.send(batch.Task(f"student{index:04d}", path, ""))
    ours.send(None)
    messages = 1 + 2 * len(paths)  # where its workspace is, then per student an answer and where it is now
    drain = threading.Thread(target=lambda: [ours.recv() for _ in range(messages)], daemon=True)  # the batch's side
    drain.start()
    folder = leftovers.private_folder()  # as the batch makes it: the worker's user may pass through
    try:
        batch._grading_process(theirs, str(folder), folder / "out", None, sandbox.Limits(), None)
    finally:
        tempfile.tempdir = None  # the grading process moved this process's temporary folders into ``folder``
        leftovers.remove_folder(folder)
    drain.join()
    sandbox.Worker.__init__, session.Session.open = start, open_exercise
    sandbox.Worker._await_ready, cgroup.WorkerCgroup.remove = await_ready, remove
    return counts


def page_faults(group) -> int:
    """Page faults of the processes a worker's memory cgroup holds (0 where it has none)."""
    for path in group.paths:
        try:
            lines = (path / "memory.stat").read_text().splitlines()
        except OSError:
            continue
        return next((int(line.split()[1]) for line in lines if line.startswith("pgfault ")), 0)
    return 0


def worker_fixed_costs(tree: TreeCPU, repeats: int = 4) -> dict:
    """Worker CPU of a start (to ready, then closed), of one exercise's fork (open and close of `pass`)
    and of the fresh start between two students (a reset after such an exercise, less the exercise)."""
    from grader.isolation.sandbox import Limits, Workspace

    limits = Limits()
    before, own = tree.seconds(), time.process_time()
    for _ in range(repeats):
        workspace = Workspace(limits)
        workspace.worker.reset(timeout=60)
        workspace.close()
    start = (tree.seconds() - before - (time.process_time() - own)) / repeats
    workspace = Workspace(limits)
    workspace.worker.reset(timeout=60)

    def worker_cpu(step, times: int) -> float:
        before, own = tree.seconds(), time.process_time()
        for _ in range(times):
            step()
        return (tree.seconds() - before - (time.process_time() - own)) / times

    def exercise() -> None:
        workspace.worker.request({"op": "open", "kind": "cells", "cells": [{"label": "cell", "code": "pass"}]}, 10)
        workspace.worker.request({"op": "close"}, 10)

    def student() -> None:
        exercise()
        workspace.reset()

    fork = worker_cpu(exercise, repeats * 5)
    reset = worker_cpu(student, repeats * 5) - fork
    workspace.close()
    return {"worker_start_s": start, "exercise_fork_s": fork, "student_reset_s": reset}


def main() -> None:
    out, *paths = sys.argv[1:]
    profile_file = None
    if "--profile" in paths:
        at = paths.index("--profile")
        profile_file = paths[at + 1]
        del paths[at : at + 2]
    import grader.batch  # noqa: F401  the batch parent's imports, which its grading processes inherit
    import grader.checking.runner  # noqa: F401

    with TreeCPU() as tree:
        before_tree, before_own, started = tree.seconds(), time.process_time(), time.perf_counter()
        before_kernel, before_own_kernel = tree.kernel_seconds(), resource.getrusage(resource.RUSAGE_SELF).ru_stime
        if profile_file:
            profile = cProfile.Profile(time.process_time)
            counts = profile.runcall(grade_all, paths)
            profile.dump_stats(profile_file)
        else:
            counts = grade_all(paths)
        figures = {
            "students": len(paths),
            "wall_s": time.perf_counter() - started,
            "grader_cpu_s": time.process_time() - before_own,
            "tree_cpu_s": tree.seconds() - before_tree,
            "cpu_kind": tree.kind,
            "tree_kernel_s": None if before_kernel is None else tree.kernel_seconds() - before_kernel,
            "grader_kernel_s": resource.getrusage(resource.RUSAGE_SELF).ru_stime - before_own_kernel,
            **counts,
        }
        if not profile_file:
            figures.update(worker_fixed_costs(tree))
    Path(out).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
