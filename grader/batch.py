"""Grading a whole class: one submission per student, in parallel, resumable.

``grade_class`` finds the students in a folder (each entry is one student: a folder or a
``.ipynb``; other entries are listed as skipped), grades the ones whose submission or grader
changed since the last run, and writes per-student ``results.json`` and ``report.html``, the
class ``gradebook.csv`` and the dashboard ``index.html``.

Locally, a few long-lived grading processes are forked from this one (NumPy, pytest and the
checks already imported) and each keeps the next student's worker starting while it grades
the current one. With a Dask scheduler address, the same per-student task runs on a cluster.
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import queue
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.course import CHECKS_DIR, EXERCISES, REFERENCE_DIR, TEMPLATES_DIR
from grader.files import write_atomically
from grader.grade import REPORT_FILE, RESULTS_FILE, grade_submission
from grader.isolation.sandbox import Limits, Workspace
from grader.model import ClassResult, GradeResult, StudentOutcome, StudentStatus
from grader.progress import Progress
from grader.submissions.loading import IGNORED_DIRS, regular_file

KEY_FILE = ".grade-key"  # beside results.json: what was graded, so an unchanged student is skipped
GRADEBOOK_FILE = "gradebook.csv"
DASHBOARD_FILE = "index.html"


@dataclass(frozen=True)
class Task:
    student: str
    source: str
    key: str


# ---------------------------------------------------------------- finding the students


def discover(folder: Path, out: Path | None = None) -> tuple[list[tuple[str, Path]], list[str]]:
    """(student id, entry) for each submission in ``folder``, and the entries skipped, with why.

    ``out``, the batch's output folder, is skipped when it lies in ``folder``.
    """
    students, skipped = [], []
    out = out.resolve() if out is not None else None
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            skipped.append(f"{entry.name}: hidden")
        elif entry.is_symlink():
            skipped.append(f"{entry.name}: a link, not graded (it may point to someone else's work)")
        elif out is not None and entry.resolve() == out:
            skipped.append(f"{entry.name}: the output folder (--out), not a student")
        elif entry.is_dir():
            students.append((entry.name, entry))
        elif entry.suffix == ".ipynb":
            students.append((entry.stem, entry))
        else:
            skipped.append(f"{entry.name}: not a notebook or a folder")
    seen: dict[str, Path] = {}
    for student, entry in students:
        if student in seen:
            skipped.append(f"{entry.name}: same student id as {seen[student].name}, not graded")
        seen.setdefault(student, entry)
    return [(s, e) for s, e in students if seen[s] == e], skipped


def grader_version() -> str:
    """Changes whenever the grader, its checks, the reference or the templates change."""
    digest = hashlib.sha256(grader.__version__.encode())
    package = Path(grader.__file__).parent
    for folder in (package, CHECKS_DIR, REFERENCE_DIR, TEMPLATES_DIR):
        for file in sorted(folder.glob("*.*")):
            if file.suffix in (".py", ".j2"):
                digest.update(file.name.encode() + file.read_bytes())
    return digest.hexdigest()


def cache_key(entry: Path, version: str, seed: int | None, limits: Limits) -> str:
    """What a student's grade depends on: every file they submitted, the grader, the options."""
    digest = hashlib.sha256(f"{version}|{seed}|{limits}".encode())
    files = [entry] if entry.is_file() else sorted(p for p in entry.rglob("*") if regular_file(p))
    for file in files:
        relative = file.relative_to(entry.parent)
        if set(relative.parts) & IGNORED_DIRS:
            continue
        digest.update(str(relative).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def previous_result(student_dir: Path, key: str) -> GradeResult | None:
    """The result of an earlier run, if it graded exactly this submission with this grader."""
    try:
        if (student_dir / KEY_FILE).read_text() != key:
            return None
        import json

        return GradeResult.from_dict(json.loads((student_dir / RESULTS_FILE).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------- grading one student


def grade_task(task: Task, seed: int | None, limits: Limits, workspace: Workspace | None = None) -> dict:
    """Grade one student; never raises. Returns plain data, so it can cross processes and machines."""
    try:
        result = grade_submission(task.source, seed=seed, limits=limits, workspace=workspace)
        from grader.reporting.report import render_report

        return {"student": task.student, "result": result.to_dict(), "html": render_report(result), "message": ""}
    except Exception:  # a grader bug must cost one student's row, not the batch
        return {"student": task.student, "result": None, "html": None, "message": traceback.format_exc(limit=-3)}


def save(out: Path, task: Task, answer: dict) -> StudentOutcome:
    """Write one student's outputs (atomically, the key last) and return their row."""
    if answer["result"] is None:
        return StudentOutcome(task.student, task.source, StudentStatus.GRADER_ERROR, None, answer["message"])
    student_dir = out / task.student
    student_dir.mkdir(parents=True, exist_ok=True)
    result = GradeResult.from_dict(answer["result"])
    write_atomically(student_dir / RESULTS_FILE, result.to_json())
    write_atomically(student_dir / REPORT_FILE, answer["html"])
    write_atomically(student_dir / KEY_FILE, task.key)
    return StudentOutcome(task.student, task.source, StudentStatus.GRADED, result)


# ---------------------------------------------------------------- running many


def _grading_process(tasks, answers, seed: int | None, limits: Limits) -> None:
    """A forked grading process: grade tasks until the sentinel, on one worker reset between students."""
    _interrupt_when_parent_dies()
    answers.cancel_join_thread()  # if the batch is gone, exit without waiting to deliver answers
    parent = os.getppid()
    workspace = Workspace(limits)
    try:
        while os.getppid() == parent and (task := tasks.get()) is not None:
            answers.put((task, grade_task(task, seed, limits, workspace)))
            workspace.reset()
    except KeyboardInterrupt:
        pass
    finally:
        workspace.close()


def _interrupt_when_parent_dies() -> None:
    """If the batch is killed, its grading processes get SIGINT and clean up their workers."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the processes are daemons and end with a normal exit anyway


def run_local(tasks: list[Task], jobs: int, seed, limits, on_answer) -> None:
    context = multiprocessing.get_context("fork")  # the children inherit every import already made
    todo, answers = context.Queue(), context.Queue()
    for task in tasks:
        todo.put(task)
    processes = [
        context.Process(target=_grading_process, args=(todo, answers, seed, limits), daemon=True)
        for _ in range(min(jobs, len(tasks)))
    ]
    for process in processes:
        todo.put(None)
        process.start()
    try:
        for _ in tasks:
            while True:
                try:
                    task, answer = answers.get(timeout=1.0)
                    break
                except queue.Empty:
                    if not any(p.is_alive() for p in processes):
                        raise RuntimeError("every grading process stopped") from None
            on_answer(task, answer)
    finally:
        for process in processes:  # normally they have their sentinel and are closing their workers
            process.join(timeout=15)
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


def run_dask(tasks: list[Task], address: str, seed, limits, on_answer) -> None:
    from dask.distributed import Client, as_completed

    with Client(address) as client:
        futures = {client.submit(grade_task, task, seed, limits, pure=False): task for task in tasks}
        for future in as_completed(futures):
            on_answer(futures[future], future.result())


def grade_class(
    submissions: str | Path,
    out: str | Path,
    *,
    jobs: int | None = None,
    seed: int | None = None,
    limits: Limits = Limits(),
    force: bool = False,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> ClassResult:
    """Grade every student in ``submissions`` into ``out``; students unchanged since the last run are reused."""
    started = time.perf_counter()
    submissions, out = Path(submissions), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries, skipped = discover(submissions, out)
    version = grader_version()
    outcomes: dict[str, StudentOutcome] = {}
    tasks = []
    for student, entry in entries:
        key = cache_key(entry, version, seed, limits)
        previous = None if force else previous_result(out / student, key)
        if previous is not None:
            outcomes[student] = StudentOutcome(student, str(entry), StudentStatus.REUSED, previous)
        else:
            tasks.append(Task(student, str(entry), key))
    if progress is None:
        progress = Progress(total=len(tasks))
    else:
        progress.total = len(tasks)

    def on_answer(task: Task, answer: dict) -> None:
        outcomes[task.student] = save(out, task, answer)
        progress.advance(task.student)

    if tasks:
        if scheduler:
            run_dask(tasks, scheduler, seed, limits, on_answer)
        else:
            run_local(tasks, jobs or os.cpu_count() or 1, seed, limits, on_answer)
    progress.close()
    result = ClassResult([outcomes[s] for s, _ in entries], skipped, round(time.perf_counter() - started, 3))
    write_atomically(out / GRADEBOOK_FILE, gradebook_csv(result))
    write_dashboard(result, out)
    return result


def gradebook_csv(result: ClassResult) -> str:
    """One row per student, sorted by id: student, ex01..ex10, total, max, status."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student", *(e.id for e in EXERCISES), "total", "max", "status"])
    for outcome in sorted(result.students, key=lambda o: o.student):
        graded = outcome.result
        if graded is None:
            writer.writerow([outcome.student, *([""] * len(EXERCISES)), "", "", "grader error"])
            continue
        scores = {e.id: e.score for e in graded.exercises}
        status = "grader error" if graded.grader_errors else "nothing to grade" if graded.problem else "graded"
        row = [f"{scores.get(e.id, 0):g}" for e in EXERCISES]
        writer.writerow([outcome.student, *row, f"{graded.score:g}", f"{graded.max_score:g}", status])
    return text.getvalue()


def write_dashboard(result: ClassResult, out: Path) -> None:
    from grader.reporting.dashboard import render_dashboard

    write_atomically(out / DASHBOARD_FILE, render_dashboard(result))
