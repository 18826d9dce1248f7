"""Batch grading throughput, CPU and memory, beside a bare `python -c "import numpy"` in the same run.

Builds classes of a realistic mix (half folders, half notebooks; correct, partial, mistaken and
empty work, from reference/ and examples/; a student whose exercise runs out of time costs the
whole --timeout, so those have their own line), grades each with `grader batch --force` in a fresh
process per configuration, and prints:

- students per second with --jobs 1, 2 and (where there are more cores) one job per core, and
  the speed-up over one job (goal: at least 0.9 N on N cores, and 1.9x for two);
- CPU per student for the whole process tree, sandboxed workers included (from a cpuacct
  control group; from /proc/stat, the whole machine, where none can be made), in seconds and
  in bare NumPy start-ups;
- the batch parent's share of that CPU (it runs beside the grading processes), its peak memory,
  and how that grows with the class;
- where one student's CPU goes: the grader side by concern (a cProfile of the batch's grading
  loop, bucketed by module), the worker side by stage (start, the fresh start between two
  students, fork per exercise, the rest: loading and running the learner's code and the wire),
  and how much of the worker's CPU is the kernel's (fork, exit, copy-on-write page faults);
- with a few hanging students (--timeout 1), what timeouts cost.

    python benchmarks/bench_batch.py [--students 40 200] [--memory 500] [--profile 20] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
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
from profile_students import grader_breakdown  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "examples"
CLASS = EXAMPLES / "class"
# Half the class hands in folders, half notebooks; about half of each is the course's solution.
FOLDERS = [
    PROJECT / "reference",
    EXAMPLES / "typical_mistakes",
    PROJECT / "reference",
    EXAMPLES / "partial_folder",
    PROJECT / "reference",
    CLASS / "alice-nguyen",
    CLASS / "kim-hyunwoo",
    CLASS / "priya-raman",
    CLASS / "tom-oconnor",
    CLASS / "wei-zhang",
    CLASS / "lucas-bernard",
]
NOTEBOOKS = [
    EXAMPLES / "correct_notebook.ipynb",
    CLASS / "bkowalski.ipynb",
    EXAMPLES / "correct_notebook.ipynb",
    CLASS / "jmartinez42.ipynb",
    EXAMPLES / "correct_notebook.ipynb",
    CLASS / "nadia-haddad.ipynb",
    CLASS / "sofia-rossi.ipynb",
    CLASS / "dpatel-ml",  # a folder holding one notebook
]
MEASURE = """
import json, resource, sys, time
from grader.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
elapsed = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF)
figures = {"code": code, "seconds": elapsed, "self_kb": own.ru_maxrss, "self_cpu_s": own.ru_utime + own.ru_stime}
print(json.dumps(figures))
"""


def student_sources(students: int) -> list[Path]:
    """The class's submissions: folders and notebooks alternate, each list cycled through."""
    return [
        FOLDERS[(i // 2) % len(FOLDERS)] if i % 2 == 0 else NOTEBOOKS[(i // 2) % len(NOTEBOOKS)]
        for i in range(students)
    ]


def build_class(root: Path, students: int, hanging: int = 0) -> Path:
    folder = root / f"class_{students}_{hanging}"
    if folder.exists():
        return folder
    folder.mkdir()
    for index, source in enumerate(student_sources(students)):
        name = f"student{index:04d}"
        if source.is_file():
            shutil.copyfile(source, folder / f"{name}.ipynb")
        else:
            shutil.copytree(source, folder / name)
    for index in range(hanging):
        target = folder / f"student{index * 8:04d}"  # folders: even indices
        if target.is_dir() and (target / "ex02_gradient_geometry.py").is_file():
            (target / "ex02_gradient_geometry.py").write_text("while True:\n    pass\n")
    return folder


def run_batch(tree: TreeCPU, folder: Path, out: Path, jobs: int, timeout: float = 10.0) -> dict:
    command = [sys.executable, "-c", MEASURE, "batch", str(folder), "--out", str(out), "--jobs", str(jobs)]
    command += ["--force", "--timeout", str(timeout)]
    before = tree.seconds()
    completed = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True)
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    figures["cpu_s"] = tree.seconds() - before
    return figures


def bare_numpy(tree: TreeCPU, runs: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds of `python -c "import numpy"`."""
    walls, cpus = [], []
    for _ in range(runs):
        before, started = tree.seconds(), time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        walls.append(time.perf_counter() - started)
        cpus.append(tree.seconds() - before)
    return statistics.median(walls), statistics.median(cpus)


def throughput(tree: TreeCPU, root: Path, students: int, job_counts: list[int], runs: int, numpy_cpu: float) -> dict:
    folder = build_class(root, students)
    rates = {}
    for jobs in job_counts:
        results = [run_batch(tree, folder, root / f"out_{students}_{jobs}_{r}", jobs) for r in range(runs)]
        best = min(results, key=lambda f: f["seconds"])
        rates[jobs] = students / best["seconds"]
        cpu = statistics.median(f["cpu_s"] for f in results) / students
        parent = statistics.median(f["self_cpu_s"] for f in results) / students
        print(
            f"{students:8d}  {jobs:4d}  {best['seconds']:7.2f}  {rates[jobs]:10.1f}  {cpu:9.3f} s"
            f"  {cpu / numpy_cpu:10.2f}x  {1000 * parent:11.1f} ms  {best['self_kb'] / 1024:13.0f}"
        )
    for jobs in job_counts[1:]:
        # The issue asks for 0.9 N on N cores, and 1.9x for two jobs on a class of 200: the stricter.
        goal = max(0.9 * jobs, jobs - 0.1)
        print(f"{'':8s}  --jobs {jobs} vs --jobs 1: {rates[jobs] / rates[1]:.2f}x (goal {goal:.1f}x)")
    return rates


def breakdown(root: Path, students: int) -> None:
    """Profile `students` of the mix graded in one process; print one student's CPU by concern."""
    paths = [str(p) for p in student_sources(students)]
    script = Path(__file__).resolve().parent / "profile_students.py"
    plain, profiled, stats = root / "plain.json", root / "profiled.json", root / "grading.prof"
    subprocess.run([sys.executable, str(script), str(plain), *paths], cwd=PROJECT, check=True)
    subprocess.run(
        [sys.executable, str(script), str(profiled), *paths, "--profile", str(stats)], cwd=PROJECT, check=True
    )
    figures = json.loads(plain.read_text())
    n = figures["students"]
    grader_cpu = figures["grader_cpu_s"] / n
    worker_cpu = (figures["tree_cpu_s"] - figures["grader_cpu_s"]) / n
    starts, opens = figures["worker_starts"] / n, figures["exercises_opened"] / n
    start_cpu, fork_cpu = figures["worker_start_s"] * starts, figures["exercise_fork_s"] * opens
    reset_cpu = figures["student_reset_s"]
    print(f"\nOne student's CPU, {n} students of the mix graded in one process (a batch's grading process):")
    print(f"  grader process            {1000 * grader_cpu:6.1f} ms")
    for name, share in sorted(grader_breakdown(str(stats)).items(), key=lambda kv: -kv[1]):
        print(f"    {name:36s}{1000 * grader_cpu * share:6.1f} ms  {100 * share:4.0f}%")
    if figures["cpu_kind"] != "cgroup":
        print("  worker side: no cpuacct control group here, so not separable from the rest of the machine")
        return
    print(f"  worker processes          {1000 * worker_cpu:6.1f} ms")
    print(f"    start (Python, NumPy, sandbox) {1000 * start_cpu:6.1f} ms  ({starts:.2f} starts per student)")
    print(f"    fresh start between students   {1000 * reset_cpu:6.1f} ms  (new namespaces, copy of the work)")
    print(f"    fork per exercise              {1000 * fork_cpu:6.1f} ms  ({opens:.1f} exercises per student)")
    rest = worker_cpu - start_cpu - reset_cpu - fork_cpu
    print(f"    learner code, calls, wire      {1000 * rest:6.1f} ms")
    if figures["tree_kernel_s"] is not None:
        kernel = (figures["tree_kernel_s"] - figures["grader_kernel_s"]) / n
        faults = figures["worker_page_faults"] / max(figures["exercises_opened"], 1)
        print(
            f"    of the worker's CPU, in the kernel {1000 * kernel:6.1f} ms  ({100 * kernel / worker_cpu:.0f}%: fork,"
            f" exit, and {faults:.0f} page faults per exercise: the pages a fresh process per exercise copies"
            " or maps again)"
        )
    print(f"  total                     {1000 * (grader_cpu + worker_cpu):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--memory", type=int, default=500, help="class size for the memory figure (0: skip)")
    parser.add_argument("--profile", type=int, default=20, help="students in the CPU breakdown (0: skip)")
    parser.add_argument("--runs", type=int, default=1, help="runs per configuration (best wall, median CPU)")
    parser.add_argument("--timeouts", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    job_counts = sorted({1, 2, cores})
    with tempfile.TemporaryDirectory() as scratch, TreeCPU() as tree:
        root = Path(scratch)
        from grader.isolation.sandbox import isolation_mode

        numpy_wall, numpy_cpu = bare_numpy(tree)
        where = "process tree (cpuacct cgroup)" if tree.kind == "cgroup" else "whole machine (/proc/stat)"
        print(f"isolation: {isolation_mode()[0]}; {cores} cores; CPU counted for the {where}")
        print(f"baseline: python -c 'import numpy'  {numpy_wall:.3f} s wall, {numpy_cpu:.3f} s CPU (median of 5)")
        print("students  jobs  seconds  students/s  CPU/student  in numpy starts  of it parent  parent peak MB")
        for students in args.students:
            throughput(tree, root, students, job_counts, args.runs, numpy_cpu)
        if args.memory:
            small, large = min(args.students), args.memory
            peaks = {}
            for students in (small, large):
                folder = build_class(root, students)
                peaks[students] = run_batch(tree, folder, root / f"memory_{students}", 2)["self_kb"]
            growth = (peaks[large] - peaks[small]) / (large - small)
            print(
                f"\nbatch parent peak memory: {peaks[small] / 1024:.0f} MB for {small} students,"
                f" {peaks[large] / 1024:.0f} MB for {large}: {growth:.1f} KB more per student"
            )
        if args.profile:
            breakdown(root, args.profile)
        if not args.timeouts:
            return
        students = min(args.students)
        folder = build_class(root, students, args.timeouts)
        figures = run_batch(tree, folder, root / "out_timeouts", 2, timeout=1.0)
        print(
            f"\nwith {args.timeouts} hanging students (--timeout 1, --jobs 2): {figures['seconds']:.2f} s,"
            f" {students / figures['seconds']:.1f} students/s"
        )


if __name__ == "__main__":
    main()
