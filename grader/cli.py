"""The ``grader`` command: a thin layer over the Python API.

    grader grade SUBMISSION [--out DIR] [--seed N] [--timeout S] [--public]
                 [--format text|actions|classroom] [--junit FILE] [--gradescope FILE]
    grader check [EXERCISE] [PATH] [--html FILE] [--public]
    grader batch SUBMISSIONS --out OUT [--jobs N] [--seed N] [--timeout S] [--force] [--scheduler ADDRESS]
                 [--canvas ROSTER.csv [--canvas-map MAP.csv]]
    grader release OUT [--for actions|classroom50|codio] [--assignment SLUG]
    grader gradescope OUT.zip
    grader notebook [--out PATH] [--check]
    grader doctor
    grader --version

Exit status: 0 when grading completed (whatever the score), 2 on a usage error (or an output
that cannot be written), 3 when ``grader grade`` finished but the grader itself failed on a check
(the report names it; those points are undecided), 130 when a batch is interrupted (run it again
to resume). ``grader check`` exits 0 only when every exercise it checked has full marks, 1
otherwise, so that it can gate a CI step.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

# Before anything imports NumPy: the grader's linear algebra is on tiny matrices, where a BLAS
# thread pool buys nothing and costs its start-up (about 50 ms of CPU per command here) and, in a
# batch, threads competing with the grading processes for the cores. A user's own setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import grader  # noqa: E402
from grader.isolation.sandbox import Limits  # noqa: E402
from grader.release import TARGETS  # noqa: E402

USAGE_ERROR = 2
GRADER_FAILED = 3
MAX_SEED = 2**64 - 1  # seeds are stored in JSON and reproduced on the command line: keep them plain


def seed_argument(text: str) -> int:
    """``--seed``: an integer from 0 to MAX_SEED; anything else is a usage error."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= seed <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text} is out of range: a seed is an integer from 0 to 2**64 - 1")
    return seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader", description="Grade partial-derivative exercises.")
    parser.add_argument("--version", action="version", version=f"grader {grader.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one submission (folder of modules or notebook)")
    grade.add_argument("submission", type=Path)
    grade.add_argument("--out", type=Path, default=None, help="write results.json and report.html here")
    grade.add_argument(
        "--seed", type=seed_argument, default=None, help="input seed, 0 to 2**64-1 (default: from the submission)"
    )
    grade.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per exercise (default 10)")
    grade.add_argument("--public", action="store_true", help="run the public checks, as a student's repository does")
    grade.add_argument(
        "--format",
        choices=["text", "actions", "classroom"],
        default="text",
        help="actions: GitHub Actions annotations, run summary and outputs; classroom: the retired GitHub"
        " Classroom's reporter JSON (legacy)",
    )
    grade.add_argument("--junit", type=Path, default=None, help="also write JUnit XML, one testcase per check")
    grade.add_argument("--gradescope", type=Path, default=None, help="also write Gradescope's results.json here")

    check = commands.add_parser("check", help="check your work: every check and diagnosis, in colour")
    check.add_argument("exercise", nargs="?", default=None, help="ex03, 3 or the module name (default: all)")
    check.add_argument("path", nargs="?", type=Path, default=None, help="folder or notebook (default: .)")
    check.add_argument("--html", type=Path, default=None, help="also write the HTML report to this file")
    check.add_argument("--public", action="store_true", help="public checks even where the reference is present")
    check.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per exercise (default 10)")

    batch = commands.add_parser("batch", help="grade a class: one folder or notebook per student")
    batch.add_argument("submissions", type=Path)
    batch.add_argument("--out", type=Path, required=True, help="per-student reports, gradebook.csv, index.html")
    batch.add_argument("--jobs", type=int, default=None, help="students graded at once (default: cores)")
    batch.add_argument("--seed", type=seed_argument, default=None, help="input seed for all (default: per submission)")
    batch.add_argument("--timeout", type=float, default=Limits.timeout_s, help="seconds per exercise (default 10)")
    batch.add_argument("--force", action="store_true", help="regrade students whose work did not change")
    batch.add_argument("--scheduler", default=None, help="Dask scheduler address (pip install .[dask])")
    batch.add_argument("--canvas", type=Path, default=None, help="Canvas gradebook export: writes canvas-import.csv")
    batch.add_argument("--canvas-map", type=Path, default=None, help="CSV github_username,sis_login_id")

    release = commands.add_parser("release", help="write what students start from, for a platform")
    release.add_argument("out", type=Path)
    release.add_argument(
        "--for",
        dest="target",
        choices=list(TARGETS),
        default="actions",
        help="actions: a starter repository with a plain GitHub Actions workflow (default); classroom50: the"
        " template and the config repository's autograder folder; codio: the workspace with its grading script",
    )
    release.add_argument("--assignment", default=None, help="the Classroom 50 assignment's slug (default: gradients)")

    gradescope = commands.add_parser("gradescope", help="build the Gradescope autograder zip")
    gradescope.add_argument("zip", type=Path)

    build = commands.add_parser("notebook", help="build the student notebook from the stubs")
    build.add_argument("--out", type=Path, default=None, help="default: assignments/exercises.ipynb")
    build.add_argument("--check", action="store_true", help="only check that the notebook is up to date")

    commands.add_parser("doctor", help="say which isolation this machine gives learner code, and why")

    args = parser.parse_args(argv)
    try:
        return _run(args, commands)
    except BrokenPipeError:  # the reader went away (`grader doctor | head`): nothing more to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that exiting flushes nowhere
        return 1


def _run(args: argparse.Namespace, commands) -> int:
    if args.command == "doctor":
        from grader.isolation.doctor import print_diagnosis

        print_diagnosis()
        return 0
    handlers = {
        "grade": grade_command,
        "check": check_command,
        "batch": batch_command,
        "release": release_command,
        "gradescope": gradescope_command,
        "notebook": notebook_command,
    }
    return handlers[args.command](args, commands.choices[args.command])  # usage errors show this command's


def usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"grader: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def grade_command(args, parser: argparse.ArgumentParser) -> int:
    if not args.submission.exists():
        return usage_error(parser, f"no such file or folder: {args.submission}")
    if args.timeout <= 0:
        return usage_error(parser, "--timeout must be positive")
    problem = (
        (args.out is not None and unusable_folder(args.out, "--out"))
        or (args.junit is not None and unusable_file(args.junit, "--junit"))
        or (args.gradescope is not None and unusable_file(args.gradescope, "--gradescope"))
    )
    if problem:
        return usage_error(parser, problem)
    import time

    from grader.grade import grade_submission
    from grader.reporting.summary import print_summary

    started = time.perf_counter()
    result = grade_submission(
        args.submission, seed=args.seed, limits=Limits(timeout_s=args.timeout), public=True if args.public else None
    )
    try:
        write_grade_outputs(result, args, started)
    except OSError as error:  # checked before grading, but the disk may still refuse
        return usage_error(parser, f"cannot write {error.filename or 'the outputs'}: {error.strerror or error}")
    if args.format == "actions":
        from grader.exporters.actions import annotations, write_run_outputs

        print_summary(result, args.out)
        print("\n".join(annotations(result, args.submission)))
        write_run_outputs(result)
    elif args.format == "classroom":
        import json

        from grader.exporters.classroom import to_classroom, write_step_output

        print(json.dumps(to_classroom(result), allow_nan=False))  # one line: the log's reader wants the summary
        write_step_output(result)
        print_summary(result, args.out, file=sys.stderr)  # stdout is the JSON
    else:
        print_summary(result, args.out)
    return GRADER_FAILED if result.grader_errors else 0


def write_grade_outputs(result, args, started: float) -> None:
    """results.json and report.html in --out, and the --junit and --gradescope files, as asked."""
    from grader.files import write_atomically

    if args.out is not None:
        from grader.grade import write_outputs

        write_outputs(result, args.out, started)
    if args.junit is not None:
        from grader.exporters.junit import to_junit_xml

        write_atomically(args.junit, to_junit_xml(result))
    if args.gradescope is not None:
        from grader.exporters.gradescope import write_gradescope_results

        write_gradescope_results(result, args.gradescope)


def unusable_folder(path: Path, option: str) -> str:
    """Why the folder ``path`` cannot receive output files ("" when it can)."""
    problem = folder_problem(path)
    return f"{option} {path} {problem}" if problem else ""


def unusable_file(path: Path, option: str) -> str:
    """Why the file ``path`` cannot be written ("" when it can)."""
    if path.is_dir():
        return f"{option} {path} is a folder: give a file name"
    problem = folder_problem(path.parent)
    return f"{option} {path}: its folder {path.parent} {problem}" if problem else ""


def folder_problem(path: Path) -> str:
    """Why files cannot be written in the folder ``path`` (made when needed), or ""; nothing is made here."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return "is a file, not a folder" if existing == path else f"cannot be made: {existing} is a file"
    if not os.access(existing, os.W_OK | os.X_OK):
        return "is not writable" if existing == path else f"cannot be made: {existing} is not writable"
    return ""


def check_command(args, parser: argparse.ArgumentParser) -> int:
    from grader.course import EXERCISES

    exercise, path = args.exercise, args.path
    if exercise is not None and find_exercise(exercise) is None and (path is None or find_exercise(str(path))):
        exercise, path = (str(path) if path else None), Path(exercise)  # `check work.ipynb` or `check work.ipynb ex03`
    path = path or Path(".")
    if not path.exists():
        return usage_error(parser, f"no such file or folder: {path}")
    chosen = [e.id for e in EXERCISES] if exercise is None else [find_exercise(exercise)]
    if None in chosen:
        return usage_error(parser, f"no exercise {exercise!r}: use ex01 ... ex{len(EXERCISES):02d}")
    if args.timeout <= 0:
        return usage_error(parser, "--timeout must be positive")
    if args.html is not None and (problem := unusable_file(args.html, "--html")):
        return usage_error(parser, problem)
    from grader.files import write_atomically
    from grader.grade import grade_submission
    from grader.reporting.terminal import print_feedback

    result = grade_submission(
        path, limits=Limits(timeout_s=args.timeout), public=True if args.public else None, only=chosen
    )
    if args.html is not None:
        from grader.reporting.report import render_report

        write_atomically(args.html, render_report(result))
    print_feedback(result, args.html)
    return 0 if result.score >= result.max_score else 1


def find_exercise(name: str) -> str | None:
    """The id of the exercise called ``name``: "ex03", "3", "03" or "ex03_directional_derivatives"."""
    from grader.course import EXERCISES

    name = name.strip().lower().removesuffix(".py")
    for exercise in EXERCISES:
        if name in (exercise.id, exercise.module, str(exercise.number), f"{exercise.number:02d}"):
            return exercise.id
    return None


def batch_command(args, parser: argparse.ArgumentParser) -> int:
    if not args.submissions.is_dir():
        return usage_error(parser, f"not a folder of submissions: {args.submissions}")
    if args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        return usage_error(parser, "--timeout and --jobs must be positive")
    if args.canvas_map is not None and args.canvas is None:
        return usage_error(parser, "--canvas-map needs --canvas ROSTER.csv")
    if problem := one_submission(args.submissions) or unusable_folder(args.out, "--out"):
        return usage_error(parser, problem)
    from grader.batch import discover, grade_class

    students, skipped = discover(args.submissions, args.out)
    if not students:
        found = f" (found only: {'; '.join(skipped[:5])})" if skipped else " (it is empty)"
        return usage_error(
            parser, f"no students in {args.submissions}{found}: each student is a folder or a .ipynb file in it"
        )
    from grader.exporters import canvas
    from grader.reporting.summary import print_class_summary

    if args.canvas is not None:
        try:  # before grading, so a wrong roster fails in a second rather than after the batch
            canvas.validate_canvas_inputs(args.canvas, args.canvas_map)
        except canvas.CanvasError as error:
            return usage_error(parser, str(error))

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
    if args.canvas is not None:
        try:
            gradebook = canvas.canvas_import(args.canvas, result, args.canvas_map)
        except canvas.CanvasError as error:  # the roster changed during the batch
            return usage_error(parser, str(error))
        target = args.out / canvas.CANVAS_IMPORT_FILE
        canvas.write_canvas_import(gradebook, target)
        print("\n".join(canvas.canvas_summary(gradebook, target)))
    return 0


def one_submission(folder: Path) -> str:
    """Why ``folder`` is one student's work rather than a class of them ("" when it is a class)."""
    from grader.course import EXERCISES
    from grader.submissions.loading import COURSE_NOTEBOOK

    modules = [f"{e.module}.py" for e in EXERCISES]
    held = [name for name in modules if (folder / name).is_file() or (folder / "assignments" / name).is_file()]
    if (folder / COURSE_NOTEBOOK).is_file():
        held.append(COURSE_NOTEBOOK)
    if not held:
        return ""
    return (
        f"{folder} holds {held[0]}: it is one student's submission (grade it with `grader grade {folder}`); "
        "`grader batch` takes the folder that holds one folder or notebook per student"
    )


def release_command(args, parser: argparse.ArgumentParser) -> int:
    from grader.release.targets import ReleaseError, write_release

    try:
        files = write_release(args.out, target=args.target, assignment=args.assignment)
    except ReleaseError as error:
        return usage_error(parser, str(error))
    print(f"Wrote {len(files)} files to {args.out}.")
    print(NEXT_STEPS[args.target].format(out=args.out))
    return 0


NEXT_STEPS = {
    "actions": "Push {out} as a template repository; every repository made from it runs the public checks.",
    "classroom50": "Push {out}/template as the assignment's template repository, and copy {out}/autograders/* into"
    " CLASSROOM/autograders/ of your organisation's classroom50 repository.",
    "codio": "Upload {out} as the Codio assignment's workspace; grade with: python3 .guides/secure/gradient-grader/"
    "autograde.py (an Advanced Code Test with partial points, or the assignment's grading script).",
}


def gradescope_command(args, parser: argparse.ArgumentParser) -> int:
    from grader.exporters.gradescope import build_autograder_zip

    if args.zip.suffix != ".zip":
        return usage_error(parser, f"the autograder must be a .zip file, not {args.zip}")
    print(f"Wrote {build_autograder_zip(args.zip)}: upload it as the assignment's autograder on Gradescope.")
    return 0


def notebook_command(args, parser: argparse.ArgumentParser) -> int:
    from grader.course import ASSIGNMENTS_DIR
    from grader.release.notebook import build_notebook, notebook_is_current

    target = args.out or ASSIGNMENTS_DIR / "exercises.ipynb"
    if not args.check and (problem := unusable_file(target, "--out")):
        return usage_error(parser, problem)
    if args.check:
        if notebook_is_current(target):
            print(f"{target} is up to date with the stubs.")
            return 0
        print(f"{target} is out of date: run `grader notebook`.", file=sys.stderr)
        return 1
    build_notebook(target)
    print(f"wrote {target}")
    return 0
