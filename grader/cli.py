"""The ``grader`` command: a thin layer over the Python API.

    grader grade SUBMISSION [--out DIR] [--seed N] [--timeout S]
    grader batch SUBMISSIONS --out OUT [--jobs N] [--seed N] [--timeout S] [--force] [--scheduler ADDRESS]
    grader notebook [--out PATH] [--check]
    grader doctor

Exit status: 0 when grading completed (whatever the score), 2 on a usage error, 130 when a
batch is interrupted (run it again to resume).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.sandbox import Limits

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader", description="Grade partial-derivative exercises.")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one submission (folder of modules or notebook)")
    grade.add_argument("submission", type=Path)
    grade.add_argument("--out", type=Path, default=None, help="write results.json and report.html here")
    grade.add_argument("--seed", type=int, default=None, help="input seed (default: derived from the submission)")
    grade.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per exercise (default 10)")

    batch = commands.add_parser("batch", help="grade a class: one folder or notebook per student")
    batch.add_argument("submissions", type=Path)
    batch.add_argument("--out", type=Path, required=True, help="per-student reports, gradebook.csv, index.html")
    batch.add_argument("--jobs", type=int, default=None, help="students graded at once (default: cores)")
    batch.add_argument("--seed", type=int, default=None, help="input seed for all (default: per submission)")
    batch.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per exercise (default 10)")
    batch.add_argument("--force", action="store_true", help="regrade students whose work did not change")
    batch.add_argument("--scheduler", default=None, help="Dask scheduler address (pip install .[dask])")

    build = commands.add_parser("notebook", help="build the student notebook from the stubs")
    build.add_argument("--out", type=Path, default=None, help="default: assignments/exercises.ipynb")
    build.add_argument("--check", action="store_true", help="only check that the notebook is up to date")

    commands.add_parser("doctor", help="say which isolation this machine gives learner code, and why")

    args = parser.parse_args(argv)
    if args.command == "doctor":
        from grader.doctor import print_diagnosis

        print_diagnosis()
        return 0
    if args.command == "grade":
        return grade_command(args, parser)
    if args.command == "batch":
        return batch_command(args, parser)
    return notebook_command(args)


def grade_command(args, parser: argparse.ArgumentParser) -> int:
    if not args.submission.exists():
        parser.print_usage(sys.stderr)
        print(f"grader: error: no such file or folder: {args.submission}", file=sys.stderr)
        return USAGE_ERROR
    if args.timeout <= 0:
        print("grader: error: --timeout must be positive", file=sys.stderr)
        return USAGE_ERROR
    from grader.grade import grade_submission
    from grader.summary import print_summary

    result = grade_submission(args.submission, out_dir=args.out, seed=args.seed, limits=Limits(timeout_s=args.timeout))
    print_summary(result, args.out)
    return 0


def batch_command(args, parser: argparse.ArgumentParser) -> int:
    if not args.submissions.is_dir():
        parser.print_usage(sys.stderr)
        print(f"grader: error: not a folder of submissions: {args.submissions}", file=sys.stderr)
        return USAGE_ERROR
    if args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        print("grader: error: --timeout and --jobs must be positive", file=sys.stderr)
        return USAGE_ERROR
    from grader.batch import grade_class
    from grader.summary import print_class_summary

    try:
        result = grade_class(
            args.submissions,
            args.out,
            jobs=args.jobs,
            seed=args.seed,
            limits=Limits(timeout_s=args.timeout),
            force=args.force,
            scheduler=args.scheduler,
        )
    except KeyboardInterrupt:
        print("\nInterrupted: students graded so far are saved; run the same command again to resume.")
        return 130
    print_class_summary(result, args.out)
    return 0


def notebook_command(args) -> int:
    from grader.course import ASSIGNMENTS_DIR
    from grader.notebook_build import build_notebook, notebook_is_current

    target = args.out or ASSIGNMENTS_DIR / "exercises.ipynb"
    if args.check:
        if notebook_is_current(target):
            print(f"{target} is up to date with the stubs.")
            return 0
        print(f"{target} is out of date: run `grader notebook`.", file=sys.stderr)
        return 1
    build_notebook(target)
    print(f"wrote {target}")
    return 0
