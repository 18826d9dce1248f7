"""Grading a whole class: one submission per student, in parallel, resumable.

``grade_class`` finds the students in a folder (each entry is one student: a folder or a
``.ipynb``; other entries are listed as skipped), grades the ones whose submission or grader
changed since the last run, and writes per-student ``results.json`` and ``report.html``, the
class ``gradebook.csv`` and the dashboard ``index.html``.

Locally, a few long-lived grading processes are forked from this one (NumPy, pytest and the
checks already imported); each grades student after student on one worker, given a fresh start
between students (``Workspace.reset``), and shares a CPU of its own with that worker where
there are enough. With a Dask scheduler address, the same per-student task runs on a cluster.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
import traceback
import unicodedata
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING

import grader
from grader import leftovers
from grader.checking.runner import with_collected_checks
from grader.course import EXERCISES, engine_files
from grader.exporters.canvas import CANVAS_IMPORT_FILE
from grader.files import printable_name, write_atomically
from grader.grade import REPORT_FILE, RESULTS_FILE, grade_submission
from grader.isolation.sandbox import Limits, Workspace, isolation_mode, run_probes
from grader.model import (
    CheckResult,
    CheckStatus,
    ClassResult,
    Failure,
    GradeResult,
    StudentOutcome,
    StudentStatus,
)
from grader.progress import Progress
from grader.reporting.safe_text import spreadsheet_cell
from grader.submissions import tree

if TYPE_CHECKING:  # imported where used: it imports Jinja2
    from grader.reporting.dashboard import FailureTally

KEY_FILE = ".grade-key"  # beside results.json: what was graded, so an unchanged student is skipped
GRADEBOOK_FILE = "gradebook.csv"
DASHBOARD_FILE = "index.html"
# Beside the students' folders in --out: a student whose id is one of them would take its place.
CLASS_FILES = frozenset({GRADEBOOK_FILE, DASHBOARD_FILE, CANVAS_IMPORT_FILE})
PROCESS_KILLED = "grading process killed"  # what a student's row says when grading them killed it twice
GRADING_OVERDUE = "grading took too long and was stopped"  # a student past ``student_deadline``


def student_deadline(limits: Limits) -> float:
    """Seconds a grading process may spend on one student before the batch stops it.

    Every exercise's learner code has its own timeout; this bounds what no timeout covers (the
    grader's own work on a student's answers), so that one student can never stall the class.
    """
    return 2 * len(EXERCISES) * limits.timeout_s + 60


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
        name = printable_name(entry.name)
        if name.startswith("."):
            skipped.append(f"{name}: hidden")
        elif entry.is_symlink():
            skipped.append(f"{name}: a link, not graded (it may point to someone else's work)")
        elif out is not None and entry.resolve() == out:
            skipped.append(f"{name}: the output folder (--out), not a student")
        elif entry.is_dir():
            students.append((name, entry))
        elif entry.suffix == ".ipynb":
            students.append((printable_name(entry.stem), entry))
        else:
            skipped.append(f"{name}: not a notebook or a folder")
    named = [(student, entry, _folder_key(student), printable_name(entry.name)) for student, entry in students]
    claimants: dict[str, list[str]] = {}  # ids naming one folder where case is folded, accents composed (macOS)
    for _, _, folder, name in named:
        claimants.setdefault(folder, []).append(name)
    kept = []
    for student, entry, folder, name in named:
        if folder in CLASS_FILES:
            skipped.append(
                f"{name}: its student id {student!r} is the name of a file the batch writes for the class"
                " (rename it to grade it)"
            )
        elif len(claimants[folder]) > 1:
            # Which of them is the student is not the grader's to guess: the name sorted first
            # could be anyone's (BOB sorts before bob), and a gradebook or roster takes its score.
            others = ", ".join(other for other in claimants[folder] if other != name)
            skipped.append(
                f"{name}: the same student id as {others} (up to case or Unicode normalization), so neither is graded:"
                " rename or remove the one that is not the student's, and grade again"
            )
        else:
            kept.append((student, entry))
    return kept, skipped


def _folder_key(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def grader_version() -> str:
    """Changes whenever a file that can change a grade or a report changes.

    Every file the grader needs elsewhere (``engine_files``): the whole package, its checks and
    subpackages included, the reference, the assignments' stubs, the templates and pyproject.toml.
    """
    digest = hashlib.sha256(grader.__version__.encode())
    for name, path in engine_files(with_reference=True):
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def cache_key(entry: Path, version: str, seed: int | None, limits: Limits, isolation: str) -> str:
    """What a student's grade depends on: every file they submitted, the grader, the options, the isolation mode."""
    try:
        content = tree.read(entry).digest()  # the same walk as grading's: no link followed
    except tree.Unreadable as error:
        content = str(error)
    text = f"{version}|{seed}|{limits}|{isolation}|{printable_name(entry.name)}|{content}"
    return hashlib.sha256(text.encode()).hexdigest()


def previous_result(student_dir: Path, key: str) -> GradeResult | None:
    """The result of an earlier run, if it graded exactly this submission with this grader."""
    try:
        if (student_dir / KEY_FILE).read_text() != key:
            return None
        return class_row(GradeResult.from_dict(json.loads((student_dir / RESULTS_FILE).read_text())))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def class_row(result: GradeResult) -> GradeResult:
    """What the batch keeps of a student's result: what the gradebook, the dashboard and the summary read.

    The whole result is in the student's results.json; kept in memory for every student it would
    make the batch grow with the class (a learner's printed output alone may be 200 KB). Kept:
    scores, statuses and messages of the student and their exercises, and the checks that did not
    pass (with the call and diagnosis of a failed comparison). Left out: printed output, passed
    checks, compared values. The strings every student repeats (check names, descriptions) are
    shared.
    """
    exercises = [
        replace(
            exercise,
            title=sys.intern(exercise.title),
            output="",
            checks=[_check_row(c) for c in exercise.checks if c.status != CheckStatus.PASSED],
        )
        for exercise in result.exercises
    ]
    return replace(result, exercises=exercises)


def without_failed_checks(row: GradeResult) -> GradeResult:
    """A row as the batch keeps it once the dashboard's tally has its failed checks: a grader's
    errors stay (the summary names them), the students' mistakes go."""
    exercises = [
        replace(exercise, checks=[c for c in exercise.checks if c.status == CheckStatus.GRADER_ERROR])
        for exercise in row.exercises
    ]
    return replace(row, exercises=exercises)


def _check_row(check: CheckResult) -> CheckResult:
    failure = check.failure and Failure(call=check.failure.call, diagnosis=check.failure.diagnosis)
    name, part, description = (sys.intern(text) for text in (check.name, check.part, check.description))
    return replace(check, name=name, part=part, description=description, failure=failure)


# ---------------------------------------------------------------- grading one student


def grade_task(
    task: Task, seed: int | None, limits: Limits, workspace: Workspace | None = None, out: Path | None = None
) -> dict:
    """Grade one student; never raises. Returns plain data, so it can cross processes and machines.

    The results.json text and the report are made here, in parallel with the other students.
    With ``out`` (a grading process of this machine) they are written here too; without (a
    cluster's worker) they travel back in the answer. Either way the batch's own process keeps
    the row, never the whole result, and writes the key that marks the student done.
    """
    try:
        if workspace is None:  # a cluster's process, grading in threads: probe before any of them starts a worker
            run_probes()
        result = grade_submission(task.source, seed=seed, limits=limits, workspace=workspace)
        from grader.reporting.report import render_report

        outputs = {RESULTS_FILE: result.to_json(), REPORT_FILE: render_report(result)}
        if out is not None:
            write_outputs(out / task.student, outputs)
            outputs = {}
        return {"student": task.student, "row": class_row(result), "outputs": outputs, "message": ""}
    except Exception:  # a grader bug must cost one student's row, not the batch
        return {"student": task.student, "row": None, "message": traceback.format_exc(limit=-3)}


def write_outputs(student_dir: Path, outputs: dict[str, str]) -> None:
    for name, text in outputs.items():
        write_atomically(student_dir / name, text)


def save(out: Path, task: Task, answer: dict) -> StudentOutcome:
    """Write what the answer carries of one student's outputs (atomically), then the key; return their row."""
    if answer["row"] is None:
        return StudentOutcome(task.student, task.source, StudentStatus.GRADER_ERROR, None, answer["message"])
    student_dir = out / task.student
    write_outputs(student_dir, answer["outputs"])
    for name in (RESULTS_FILE, REPORT_FILE, KEY_FILE):
        for unfinished in student_dir.glob(f".{name}.*"):  # a write a killed grading process left
            unfinished.unlink()
    write_atomically(student_dir / KEY_FILE, task.key)
    row = class_row(answer["row"])  # again, here: the strings every student repeats are then shared in this process
    return StudentOutcome(task.student, task.source, StudentStatus.GRADED, row)


# ---------------------------------------------------------------- running many


def _grading_process(connection, folder: str, out: Path, seed: int | None, limits: Limits, cpu: int | None) -> None:
    """A forked grading process: grade the tasks it is sent until None, on one worker reset between students.

    It tells the batch where its workspace is (a reset may replace it), so that the batch can
    remove it if this process dies. With a ``cpu``, it and its worker (which inherits the
    choice) run on that CPU alone (see ``_cpus_for``).
    """
    _interrupt_when_parent_dies()
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    tempfile.tempdir = folder  # its workspaces live here, where the worker's user can reach it
    workspace = Workspace(limits)

    def grade_until_sentinel() -> None:
        connection.send(("workspace", str(workspace.scratch.parent)))
        while (task := connection.recv()) is not None:
            connection.send(("answer", grade_task(task, seed, limits, workspace, out)))
            workspace.reset()
            connection.send(("workspace", str(workspace.scratch.parent)))

    try:
        with_collected_checks(grade_until_sentinel)  # pytest starts and collects once per process
    except (KeyboardInterrupt, EOFError, OSError):
        pass  # interrupted, or the batch is gone
    finally:
        workspace.close()


def _prepare_to_fork() -> None:
    """Do once, before the grading processes are forked, what each of them would otherwise do.

    The isolation probes (bubblewrap, the worker's user and Python), the report's compiled
    template and the notebook reader's import are then inherited, not repeated in every grading
    process.
    """
    import nbformat  # noqa: F401  a tenth of a second, paid once rather than once per process

    from grader.reporting.report import templates

    run_probes()
    templates().get_template("report.html.j2")


def _interrupt_when_parent_dies() -> None:
    """If the batch is killed, its grading processes get SIGINT and clean up their workers."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the processes are daemons and end with a normal exit anyway


@dataclass
class _GradingProcess:
    """One forked grading process, its end of the pipe, its folders, and its current student."""

    process: multiprocessing.Process
    connection: Connection
    folder: Path  # made by the batch for it
    workspace: Path | None = None  # its workspace's, inside that folder or elsewhere
    task: Task | None = None
    given_at: float = 0.0  # when it was given its task (time.monotonic)
    overdue: Task | None = None  # the task it was stopped for, past ``student_deadline``: it takes no other
    cpu: int | None = None  # the CPU it and its worker share, if any

    def receive(self) -> tuple[str, object] | None:
        """Its next message, or None when there is none or it died while sending."""
        try:
            return self.connection.recv() if self.connection.poll() else None
        except (EOFError, OSError, pickle.UnpicklingError):
            return None

    def remove_folders(self) -> None:
        for folder in (self.workspace, self.folder):
            if folder is not None and folder.is_dir():
                leftovers.remove_folder(folder)


def _cpus_for(jobs: int) -> list[int]:
    """The CPUs to give each grading process one of, or none: only where the batch takes them all.

    A grading process and its worker take turns (a request, its reply), a few hundred times per
    student; on one CPU each turn is a switch between two processes, on two it is a wake-up of
    the other CPU, several times dearer (measured: about 40 against 9 microseconds of CPU per
    round trip on this project's 2-core machines). With fewer jobs than CPUs the machine is
    shared (another batch, other work), and pinned processes could pile onto the same CPUs.
    ``GRADER_PIN_CPUS=off`` turns it off.
    """
    if os.environ.get("GRADER_PIN_CPUS") == "off" or not hasattr(os, "sched_getaffinity") or jobs < 2:
        return []
    cpus = sorted(os.sched_getaffinity(0))
    return cpus if len(cpus) == jobs else []  # fewer jobs: the machine is shared, leave its scheduler free


def run_local(tasks: list[Task], out: Path, jobs: int, seed, limits, on_answer) -> None:
    """Grade ``tasks`` in ``jobs`` forked processes; a process that dies is replaced.

    The student a dying process was grading is graded once more in a fresh process; if that one
    dies too, the student's answer says so ("grading process killed"), and the batch goes on.
    """
    context = multiprocessing.get_context("fork")  # the children inherit every import already made
    _prepare_to_fork()
    todo, tried, deaths = list(reversed(tasks)), set(), 0
    running: list[_GradingProcess] = []
    cpus = _cpus_for(jobs)
    deadline = student_deadline(limits)

    def start() -> None:
        folder = leftovers.private_folder()
        mine, theirs = context.Pipe()
        cpu = next((c for c in cpus if c not in {g.cpu for g in running}), None)
        process = context.Process(
            target=_grading_process, args=(theirs, str(folder), out, seed, limits, cpu), daemon=True
        )
        process.start()
        theirs.close()
        running.append(_GradingProcess(process, mine, folder, cpu=cpu))

    def give_work(grader: _GradingProcess) -> None:
        grader.task, grader.given_at = todo.pop(), time.monotonic()
        try:
            grader.connection.send(grader.task)
        except OSError:
            pass  # it died already: its sentinel says so next

    def bury(grader: _GradingProcess) -> None:
        nonlocal deaths
        deaths += 1
        running.remove(grader)
        grader.process.join(timeout=5)
        grader.connection.close()
        grader.remove_folders()
        task = grader.task
        overdue = task is not None and task is grader.overdue
        if task is not None and task.student not in tried and not overdue:
            tried.add(task.student)
            todo.append(task)  # once more, in a fresh process
        elif task is not None:
            message = GRADING_OVERDUE if overdue else PROCESS_KILLED
            on_answer(task, {"student": task.student, "row": None, "message": message})

    try:
        while todo or any(g.task for g in running):
            while todo and len([g for g in running if g.task]) < jobs:
                idle = next((g for g in running if g.task is None and g.overdue is None), None)
                if idle is None:
                    start()
                    idle = running[-1]
                give_work(idle)
            ready = wait([g.connection for g in running] + [g.process.sentinel for g in running], timeout=1.0)
            for grader in running:
                if grader.task and grader.overdue is None and time.monotonic() - grader.given_at > deadline:
                    # Its sentinel is ready next: it is buried as any that dies. Its answer may
                    # still come first (it finished meanwhile); then it is buried without a task.
                    grader.overdue = grader.task
                    grader.process.kill()
            for grader in list(running):
                if grader.connection not in ready and grader.process.sentinel not in ready:
                    continue
                message = grader.receive()
                if message is None:
                    if grader.process.sentinel in ready or not grader.process.is_alive():
                        bury(grader)
                elif message[0] == "workspace":
                    grader.workspace = Path(message[1])
                else:
                    on_answer(grader.task, message[1])
                    grader.task = None
    finally:
        for grader in running:  # normally idle: the end of work makes them close their workers
            try:
                grader.connection.send(None)
            except OSError:
                pass
        for grader in running:
            grader.process.join(timeout=15)
            if grader.process.is_alive():
                grader.process.terminate()
                grader.process.join(timeout=5)
            grader.connection.close()
            grader.remove_folders()
        if deaths:
            leftovers.remove_worker_cgroups_of_this_run()


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
    """Grade every student in ``submissions`` into ``out``; students unchanged since the last run are reused.

    Each student's result in the returned ``ClassResult`` is their row (``class_row``) without its
    failed checks, which the dashboard's ``FailureTally`` keeps grouped as they come in; the whole
    result is in their ``results.json``.
    """
    from grader.reporting.dashboard import FailureTally

    started = time.perf_counter()
    submissions, out = Path(submissions), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    entries, skipped = discover(submissions, out)
    version, isolation = grader_version(), isolation_mode()[0]  # a grade made in another mode is made again
    outcomes: dict[str, StudentOutcome] = {}
    tally = FailureTally()

    def keep(outcome: StudentOutcome) -> None:
        if outcome.result is not None:
            tally.add(outcome.student, outcome.result)
            outcome = replace(outcome, result=without_failed_checks(outcome.result))
        outcomes[outcome.student] = outcome

    tasks = []
    for student, entry in entries:
        key = cache_key(entry, version, seed, limits, isolation)
        previous = None if force else previous_result(out / student, key)
        if previous is not None:
            keep(StudentOutcome(student, str(entry), StudentStatus.REUSED, previous))
        else:
            tasks.append(Task(student, str(entry), key))
    if progress is None:
        progress = Progress(total=len(tasks))
    else:
        progress.total = len(tasks)

    def on_answer(task: Task, answer: dict) -> None:
        keep(save(out, task, answer))
        progress.advance(task.student)

    try:
        if tasks and scheduler:
            run_dask(tasks, scheduler, seed, limits, on_answer)
        elif tasks:
            leftovers.remove_stale()  # of batches killed before this one
            run_local(tasks, out, jobs or os.cpu_count() or 1, seed, limits, on_answer)
    except Exception:  # the batch itself failed: the students graded so far still get their gradebook
        message = traceback.format_exc(limit=-3)
        for task in tasks:
            outcomes.setdefault(
                task.student, StudentOutcome(task.student, task.source, StudentStatus.GRADER_ERROR, None, message)
            )
    progress.close()
    result = ClassResult([outcomes[s] for s, _ in entries], skipped, round(time.perf_counter() - started, 3))
    write_atomically(out / GRADEBOOK_FILE, gradebook_csv(result))
    write_dashboard(result, out, tally)
    return result


def gradebook_csv(result: ClassResult) -> str:
    """One row per student, sorted by id: student, ex01..ex10, total, max, status."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student", *(e.id for e in EXERCISES), "total", "max", "status"])
    for outcome in sorted(result.students, key=lambda o: o.student):
        student = spreadsheet_cell(outcome.student)  # an id like =HYPERLINK(...) stays text
        graded = outcome.result
        if graded is None:
            known = outcome.message in (PROCESS_KILLED, GRADING_OVERDUE)
            status = f"grader error: {outcome.message}" if known else "grader error"
            writer.writerow([student, *([""] * len(EXERCISES)), "", "", status])
            continue
        scores = {e.id: e.score for e in graded.exercises}
        status = "grader error" if graded.grader_errors else "nothing to grade" if graded.problem else "graded"
        row = [f"{scores.get(e.id, 0):g}" for e in EXERCISES]
        writer.writerow([student, *row, f"{graded.score:g}", f"{graded.max_score:g}", status])
    return text.getvalue()


def write_dashboard(result: ClassResult, out: Path, tally: FailureTally | None = None) -> None:
    from grader.reporting.dashboard import dashboard_pieces

    write_atomically(out / DASHBOARD_FILE, dashboard_pieces(result, tally))
