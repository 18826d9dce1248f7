"""Batch grading throughput and memory: students per second with --jobs 1 and 2, and peak memory.

Builds a synthetic class of N students (folders and notebooks, a mix of correct, partial and
mistaken work, from examples/ and reference/), grades it with `grader batch --force` in a fresh
process per configuration, and prints students per second, the speed-up from one job to two,
the median time per student, and the peak resident memory of the grader process and of the
largest child. A second class adds a few students whose exercise hangs (graded with
--timeout 1) to show what timeouts cost.

    python benchmarks/bench_batch.py [--students 50 500] [--timeouts 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SOURCES = [
    PROJECT / "reference",
    PROJECT / "examples" / "correct_notebook.ipynb",
    PROJECT / "examples" / "typical_mistakes",
    PROJECT / "examples" / "partial_folder",
]
MEASURE = """
import json, resource, sys, time
from grader.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
elapsed = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": elapsed, "self_kb": own, "child_kb": children}))
"""


def build_class(root: Path, students: int, hanging: int) -> Path:
    folder = root / f"class_{students}_{hanging}"
    folder.mkdir()
    for index in range(students):
        source = SOURCES[index % len(SOURCES)]
        name = f"student{index:04d}"
        if source.is_file():
            shutil.copyfile(source, folder / f"{name}.ipynb")
        else:
            shutil.copytree(source, folder / name)
    for index in range(hanging):
        target = folder / f"student{index * 7:04d}"
        if target.is_dir():
            (target / "ex02_gradient_geometry.py").write_text("while True:\n    pass\n")
    return folder


def run(folder: Path, out: Path, jobs: int, timeout: float) -> dict:
    command = [sys.executable, "-c", MEASURE, "batch", str(folder), "--out", str(out), "--jobs", str(jobs)]
    command += ["--force", "--timeout", str(timeout)]
    completed = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True)
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    per_student = [json.loads(p.read_text())["duration_s"] for p in out.glob("*/results.json")]
    figures["median_student_s"] = statistics.median(per_student)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--timeouts", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        print("students  jobs  seconds  students/s  median/student  grader peak MB  largest child MB")
        for students in args.students:
            folder = build_class(root, students, 0)
            rates = {}
            for jobs in (1, 2):
                figures = run(folder, root / f"out_{students}_{jobs}", jobs, 10.0)
                rates[jobs] = students / figures["seconds"]
                print(
                    f"{students:8d}  {jobs:4d}  {figures['seconds']:7.2f}  {rates[jobs]:10.1f}"
                    f"  {figures['median_student_s']:13.3f}s  {figures['self_kb'] / 1024:14.0f}"
                    f"  {figures['child_kb'] / 1024:16.0f}"
                )
            print(f"{'':8s}  speed-up from --jobs 1 to --jobs 2: {rates[2] / rates[1]:.2f}x")
        students = args.students[0]
        folder = build_class(root, students, args.timeouts)
        figures = run(folder, root / "out_timeouts", 2, 1.0)
        print(
            f"with {args.timeouts} hanging students (--timeout 1, --jobs 2): {figures['seconds']:.2f} s, "
            f"{students / figures['seconds']:.1f} students/s"
        )


if __name__ == "__main__":
    main()
