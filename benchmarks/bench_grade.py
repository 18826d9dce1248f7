"""Wall time of grading one submission, against a bare `python -c "import numpy"` in the same run.

Prints the median over several runs of: the bare start-up, `grader grade` on the reference
folder, and `grader grade` on a solved notebook (both writing results.json and report.html),
and each grading's ratio to the bare start-up. The target is a ratio of at most 4. Also
`grader check` of one exercise, the student's loop, whose target is under a second, both with
the reference present and as public checks (which replay the recorded expectations).

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

PROJECT = Path(__file__).resolve().parent.parent


def timed(command: list[str], runs: int, cwd: Path = PROJECT, env: dict | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=cwd, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed_in_release(folder: Path, runs: int) -> float:
    """`grader check ex03` in a starter repository whose ex03 is solved, as a student runs it."""
    from grader.release.starter import ENGINE_DIR
    from grader.release.targets import write_release

    write_release(folder)
    shutil.copyfile(PROJECT / "reference/ex03_directional_derivatives.py", folder / "ex03_directional_derivatives.py")
    env = {**os.environ, "PYTHONPATH": str(folder / ENGINE_DIR)}
    return timed([sys.executable, "-m", "grader", "check", "ex03"], runs, cwd=folder, env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as out:
        grade = [sys.executable, "-m", "grader", "grade"]
        bare = timed([sys.executable, "-c", "import numpy"], runs)
        folder = timed([*grade, "reference", "--out", f"{out}/folder"], runs)
        notebook = timed([*grade, "examples/correct_notebook.ipynb", "--out", f"{out}/notebook"], runs)
        check = timed([sys.executable, "-m", "grader", "check", "ex03", "reference"], runs)
        public = timed_in_release(Path(out) / "release", runs)
    from grader.isolation.sandbox import isolation_mode

    print(f"isolation: {isolation_mode()[0]}, median of {runs} runs")
    print(f"bare python -c 'import numpy'    {bare:6.3f} s")
    print(f"grade ten-module folder           {folder:6.3f} s   ratio {folder / bare:4.1f}x")
    print(f"grade notebook                    {notebook:6.3f} s   ratio {notebook / bare:4.1f}x")
    print(f"check one exercise                {check:6.3f} s   ratio {check / bare:4.1f}x")
    print(f"check one exercise, public        {public:6.3f} s   ratio {public / bare:4.1f}x")
    print("  (public: in a starter repository written by `grader release`, with its own grader copy)")


if __name__ == "__main__":
    main()
