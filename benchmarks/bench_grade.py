"""Wall time of grading one submission, against a bare `python -c "import numpy"` in the same run.

Prints the median over several runs of: the bare start-up, `grader grade` on the reference
folder, and `grader grade` on a solved notebook (both writing results.json and report.html),
and each grading's ratio to the bare start-up. The target is a ratio of at most 4.

    python benchmarks/bench_grade.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def timed(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=PROJECT)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as out:
        grade = [sys.executable, "-m", "grader", "grade"]
        bare = timed([sys.executable, "-c", "import numpy"], runs)
        folder = timed([*grade, "reference", "--out", f"{out}/folder"], runs)
        notebook = timed([*grade, "examples/correct_notebook.ipynb", "--out", f"{out}/notebook"], runs)
    from grader.sandbox import isolation_mode

    print(f"isolation: {isolation_mode()[0]}, median of {runs} runs")
    print(f"bare python -c 'import numpy'    {bare:6.3f} s")
    print(f"grade ten-module folder           {folder:6.3f} s   ratio {folder / bare:4.1f}x")
    print(f"grade notebook                    {notebook:6.3f} s   ratio {notebook / bare:4.1f}x")


if __name__ == "__main__":
    main()
