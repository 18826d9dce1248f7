"""Grading one submission, against a bare `python -c "import numpy"` measured in the same run.

Prints, for the bare start-up, `grader grade` on the reference folder and on a solved notebook
(both writing results.json and report.html), and `grader check` of one exercise (with the
reference present, and as public checks in a starter repository): the median wall time and
the median CPU time of the whole process tree (the sandboxed worker included; see cpu.py),
each with its ratio to the bare start-up. Goals: grading a folder within 4x, checking one
exercise within 2.5x. The commands take turns, round after round, so that a machine whose load
changes slows them all alike; on a busy machine the CPU ratios are the steadier figures.

    python benchmarks/bench_grade.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu import TreeCPU  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent


def measured(command: list[str], cwd: Path, env: dict | None, tree: TreeCPU) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``."""
    before, started = tree.seconds(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=cwd, env=env)
    return time.perf_counter() - started, tree.seconds() - before


def release_with_ex03(folder: Path) -> dict:
    """A starter repository whose ex03 is solved, where `grader check ex03` runs as a student runs it."""
    from grader.release.starter import ENGINE_DIR
    from grader.release.targets import write_release

    write_release(folder)
    shutil.copyfile(PROJECT / "reference/ex03_directional_derivatives.py", folder / "ex03_directional_derivatives.py")
    return {**os.environ, "PYTHONPATH": str(folder / ENGINE_DIR)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as out, TreeCPU() as tree:
        release = Path(out) / "release"
        release_env = release_with_ex03(release)
        grade = [sys.executable, "-m", "grader", "grade"]
        commands = {
            "bare python -c 'import numpy'": ([sys.executable, "-c", "import numpy"], PROJECT, None),
            "grade ten-module folder": ([*grade, "reference", "--out", f"{out}/folder"], PROJECT, None),
            "grade notebook": ([*grade, "examples/correct_notebook.ipynb", "--out", f"{out}/notebook"], PROJECT, None),
            "check ex03": ([sys.executable, "-m", "grader", "check", "ex03", "reference"], PROJECT, None),
            "check ex03, public": ([sys.executable, "-m", "grader", "check", "ex03"], release, release_env),
        }
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, cwd, env) in commands.items():
                figures[name].append(measured(command, cwd, env, tree))
    from grader.isolation.sandbox import isolation_mode

    where = "process tree" if tree.kind == "cgroup" else "whole machine (no cpuacct group here)"
    print(f"isolation: {isolation_mode()[0]}; median of {runs} runs; CPU of the {where}")
    if sys.flags.dont_write_bytecode:
        print("  (PYTHONDONTWRITEBYTECODE is set: the grader's own modules are compiled at every start)")
    bare = figures.pop(next(iter(commands)))
    bare_wall, bare_cpu = (statistics.median(f[i] for f in bare) for i in (0, 1))
    print(f"{'':30s}   wall   ratio     CPU   ratio")
    print(f"{'bare python -c import numpy':30s} {bare_wall:6.3f} s        {bare_cpu:6.3f} s")
    for name, runs_of in figures.items():
        wall, cpu = (statistics.median(f[i] for f in runs_of) for i in (0, 1))
        print(f"{name:30s} {wall:6.3f} s {wall / bare_wall:5.1f}x  {cpu:6.3f} s {cpu / bare_cpu:5.1f}x")
    print("goals: grade a folder <= 4x, check one exercise <= 2.5x (public: in a starter repository)")


if __name__ == "__main__":
    main()
