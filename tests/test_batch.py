"""Grading a class: outputs, skipped entries, resuming after a kill, and a Dask cluster."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from grader import batch
from grader.batch import KEY_FILE, discover, grade_class
from grader.course import ASSIGNMENTS_DIR, EXERCISES, PROJECT_DIR, REFERENCE_DIR
from grader.isolation import cgroup
from grader.isolation.sandbox import Limits, tagged_processes
from grader.progress import Progress

HANG_AT_IMPORT = "while True:\n    pass\n"


def quiet() -> Progress:
    return Progress(0, stream=io.StringIO())


def make_class(root: Path, size: int = 4) -> Path:
    """A small class: full marks, stubs, a hang in ex02, an empty folder, notebooks, stray files."""
    folder = root / "class"
    folder.mkdir()
    shutil.copytree(REFERENCE_DIR, folder / "ada")
    shutil.copytree(ASSIGNMENTS_DIR, folder / "bo", ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copytree(REFERENCE_DIR, folder / "cy")
    (folder / "cy" / "ex02_gradient_geometry.py").write_text(HANG_AT_IMPORT)
    (folder / "dee").mkdir()
    shutil.copyfile(PROJECT_DIR / "examples" / "correct_notebook.ipynb", folder / "eve.ipynb")
    for index in range(size - 5):
        shutil.copytree(REFERENCE_DIR, folder / f"extra{index:02d}")
    (folder / "notes.txt").write_text("not a submission")
    (folder / ".DS_Store").write_bytes(b"\0\1")
    return folder


def read_gradebook(out: Path) -> list[dict]:
    return list(csv.DictReader((out / "gradebook.csv").open()))


def test_class_outputs_gradebook_and_skipped_entries(tmp_path):
    folder = make_class(tmp_path)
    out = tmp_path / "out"
    result = grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
    assert [o.student for o in result.students] == ["ada", "bo", "cy", "dee", "eve"]
    assert sorted(result.skipped) == [".DS_Store: hidden", "notes.txt: not a notebook or a folder"]
    rows = {row["student"]: row for row in read_gradebook(out)}
    assert list(rows) == sorted(rows)
    assert rows["ada"]["total"] == "100" and rows["eve"]["total"] == "100"
    assert rows["bo"]["total"] == "0" and rows["dee"]["status"] == "nothing to grade"
    assert rows["cy"]["ex02"] == "0" and rows["cy"]["total"] == "90"  # a hang costs one exercise
    assert set(rows["ada"]) == {"student", *(e.id for e in EXERCISES), "total", "max", "status"}
    for student in rows:
        single = json.loads((out / student / "results.json").read_text())
        assert single["score"] == float(rows[student]["total"])
        assert (out / student / "report.html").is_file()
    assert (out / "index.html").is_file()
    assert tagged_processes() == []


def _short():
    from grader.isolation.sandbox import Limits

    return Limits(timeout_s=2.0)


def test_unchanged_students_are_reused_and_changed_ones_regraded(tmp_path):
    folder = make_class(tmp_path)
    out = tmp_path / "out"
    grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
    (folder / "ada" / "ex01_partial_derivatives.py").write_text("")  # ada changed her work
    again = grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
    statuses = {o.student: o.status for o in again.students}
    assert statuses == {"ada": "graded", "bo": "reused", "cy": "reused", "dee": "reused", "eve": "reused"}
    assert {row["student"]: row["ex01"] for row in read_gradebook(out)}["ada"] == "0"
    forced = grade_class(folder, out, jobs=2, limits=_short(), force=True, progress=quiet())
    assert all(o.status == "graded" for o in forced.students)


def test_killed_batch_resumes_with_only_the_rest(tmp_path):
    folder = make_class(tmp_path, size=10)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "--jobs", "1", "--timeout", "2"]
    batch = subprocess.Popen(command, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob(f"*/{KEY_FILE}"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    batch.send_signal(signal.SIGKILL)  # no chance to clean up: the worst case
    batch.wait()
    done_before = {p.parent.name for p in out.glob(f"*/{KEY_FILE}")}
    assert 2 <= len(done_before) < 10
    for results in out.glob("*/results.json"):
        json.loads(results.read_text())  # never half written
    time.sleep(0.5)  # the grading process got SIGINT from its dying parent and is cleaning up
    resumed = grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
    graded_now = {o.student for o in resumed.students if o.status == "graded"}
    reused = {o.student for o in resumed.students if o.status == "reused"}
    assert reused >= done_before
    assert graded_now == {o.student for o in resumed.students} - reused
    assert len(read_gradebook(out)) == 10
    assert tagged_processes() == []


def test_dask_cluster_gives_the_same_gradebook(tmp_path):
    distributed = pytest.importorskip("dask.distributed", reason="pip install .[dask] for the Dask path")
    folder = make_class(tmp_path)
    grade_class(folder, tmp_path / "local", jobs=2, limits=_short(), progress=quiet())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = grade_class(
            folder, tmp_path / "dask", limits=_short(), scheduler=cluster.scheduler_address, progress=quiet()
        )
    assert all(o.status == "graded" for o in result.students)
    assert (tmp_path / "dask" / "gradebook.csv").read_text() == (tmp_path / "local" / "gradebook.csv").read_text()
    assert (tmp_path / "dask" / "ada" / "report.html").is_file()


def test_progress_prints_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream=stream, interval_s=0)
    for student in ("a", "b", "c"):
        progress.advance(student)
    lines = stream.getvalue().splitlines()
    assert lines[-1].startswith("graded 3/3 (100%)") and "students/s" in lines[-1]


def test_discover_skips_duplicates_and_strays(tmp_path):
    # Two entries claiming one id: which is the student's is not the grader's to guess.
    (tmp_path / "sam").mkdir()
    (tmp_path / "sam.ipynb").write_text("{}")
    (tmp_path / "ada").mkdir()
    (tmp_path / "Straße").mkdir()  # one id with STRASSE where case is folded, as on macOS
    (tmp_path / "STRASSE").mkdir()
    (tmp_path / "grades.csv").write_text("")
    students, skipped = discover(tmp_path)
    assert [s for s, _ in students] == ["ada"]
    assert sum("the same student id as" in s and "neither is graded" in s for s in skipped) == 4
    assert any("grades.csv" in s for s in skipped)


def test_a_student_named_like_a_class_file_or_a_classmate_cannot_take_their_place(tmp_path):
    # The ids gradebook.csv and index.html would be folders where the class's files go; BOB and
    # bob one folder where case is folded (macOS, Windows), and one roster login: whichever were
    # graded would take the other's place. Neither is: the instructor is told to settle it.
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copytree(REFERENCE_DIR, folder / "ada")
    shutil.copyfile(PROJECT_DIR / "examples" / "correct_notebook.ipynb", folder / "gradebook.csv.ipynb")
    shutil.copytree(REFERENCE_DIR, folder / "Index.HTML")
    shutil.copytree(ASSIGNMENTS_DIR, folder / "BOB", ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copytree(REFERENCE_DIR, folder / "bob")
    out = tmp_path / "out"
    result = grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
    assert [o.student for o in result.students] == ["ada"]
    assert len(result.skipped) == 4 and sum("a file the batch writes for the class" in s for s in result.skipped) == 2
    assert any(s.startswith("BOB: the same student id as bob") for s in result.skipped)
    assert any(s.startswith("bob: the same student id as BOB") for s in result.skipped)
    assert (out / "gradebook.csv").is_file() and (out / "index.html").is_file()
    assert [row["student"] for row in read_gradebook(out)] == ["ada"]


def test_names_that_are_not_utf8_are_graded_and_written_readably(tmp_path):
    # Archives unpacked from Latin-1 and platform exports leave such bytes in names; as text they
    # could not be written to the gradebook, the dashboard or a report, and stopped the batch.
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copytree(REFERENCE_DIR, folder / os.fsdecode(b"eve\xff"))
    shutil.copyfile(PROJECT_DIR / "examples" / "correct_notebook.ipynb", folder / os.fsdecode(b"no\xe9.ipynb"))
    (folder / os.fsdecode(b"notes\xfe.txt")).write_text("not a submission")
    os.symlink("/etc/passwd", folder / os.fsdecode(b"eve\xff") / os.fsdecode(b"link\xff"))  # noted in the report
    out = tmp_path / "out"
    result = grade_class(folder, out, jobs=1, progress=quiet())
    rows = {row["student"]: row for row in read_gradebook(out)}
    assert rows["eve\\xff"]["total"] == rows["no\\xe9"]["total"] == "100", rows
    assert result.skipped == ["notes\\xfe.txt: not a notebook or a folder"]
    assert "notes\\xfe.txt" in (out / "index.html").read_text()
    report = json.loads((out / "eve\\xff" / "results.json").read_text())
    assert report["submission"].endswith("eve\\xff")
    assert "link\\udcff is a link" in (out / "eve\\xff" / "report.html").read_text()


def test_a_student_whose_grading_outlasts_its_deadline_is_stopped_and_the_class_goes_on(tmp_path, monkeypatch):
    # Exercises have their own timeouts; the deadline bounds whatever they do not cover. Here a
    # long timeout stands in for grader-side work that never ends.
    monkeypatch.setattr(batch, "student_deadline", lambda limits: 4.0)
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copytree(REFERENCE_DIR, folder / "ada")
    shutil.copytree(REFERENCE_DIR, folder / "cy")
    (folder / "cy" / "ex02_gradient_geometry.py").write_text(HANG_AT_IMPORT)
    out = tmp_path / "out"
    result = grade_class(folder, out, jobs=2, limits=Limits(timeout_s=120), progress=quiet())
    rows = {row["student"]: row for row in read_gradebook(out)}
    assert rows["ada"]["status"] == "graded" and float(rows["ada"]["total"]) == 100
    assert rows["cy"]["status"] == f"grader error: {batch.GRADING_OVERDUE}"
    assert next(o for o in result.students if o.student == "cy").result is None
    assert (out / "index.html").is_file()


def test_a_process_stopped_as_its_student_finished_takes_no_other_student(tmp_path, monkeypatch):
    # The first student's answer comes 0.3 s past the deadline, in the same turn of the loop that
    # stops its process: the answer counts, and the next student goes to a new process.
    def grade_task(task, seed, limits, workspace=None, out=None):
        time.sleep(2.8 if task.student == "a" else 0.2)
        return {"student": task.student, "row": None, "message": "graded"}

    monkeypatch.setattr(batch, "grade_task", grade_task)
    monkeypatch.setattr(batch, "student_deadline", lambda limits: 2.5)
    tasks = [batch.Task(student, student, "key") for student in "abc"]
    answers = {}
    batch.run_local(tasks, tmp_path, 1, None, Limits(), lambda task, answer: answers.update({task.student: answer}))
    assert {student: answer["message"] for student, answer in answers.items()} == {
        "a": "graded",
        "b": "graded",
        "c": "graded",
    }


def test_batch_command_usage_errors(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    assert completed.returncode == 2 and "not a folder" in completed.stderr


PLANTER = """
import os, subprocess, sys
for place in ("/tmp/planted", "/dev/shm/planted", "planted"):
    try:
        open(place, "w").write("from the previous student")
    except OSError:
        pass
subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(600)"])
"""
INSPECTOR = """
import os
for place in ("/tmp/planted", "/dev/shm/planted", "planted"):
    assert not os.path.exists(place), place + " survived from the previous student"
"""


@pytest.mark.skipif(
    __import__("grader.isolation.sandbox").isolation.sandbox.isolation_mode()[0] != "bubblewrap",
    reason="process isolation shares the host's /tmp between students (SECURITY.md)",
)
def test_a_reused_worker_starts_clean_for_the_next_student(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    reference = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text()
    for student, prelude in (("a-planter", PLANTER), ("b-inspector", INSPECTOR)):
        (folder / student).mkdir()
        (folder / student / "ex02_gradient_geometry.py").write_text(prelude + reference)
    result = grade_class(folder, tmp_path / "out", jobs=1, limits=_short(), progress=quiet())
    scores = {o.student: o.result.score for o in result.students}
    assert scores == {"a-planter": 10, "b-inspector": 10}  # one grading process graded both, in order
    assert tagged_processes() == []


def test_a_batch_of_hostile_students_leaves_nothing_behind(tmp_path, monkeypatch):
    """Every hostile submission of tests/test_hostile.py graded as one class: no process, no stray
    file outside OUT, bounded memory, and each student loses exercise 2 only."""
    import resource

    # The batch's temporary folders go to a folder of this test's own (one the worker's user may
    # enter), so that other gradings on the machine cannot make the check below fail.
    private_tmp = Path(tempfile.mkdtemp(prefix="batch-test-", dir="/tmp"))
    private_tmp.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))

    from tests.test_hostile import HOSTILE

    folder = tmp_path / "class"
    folder.mkdir()
    for name, (_, source) in HOSTILE.items():
        shutil.copytree(REFERENCE_DIR, folder / name)
        (folder / name / "ex02_gradient_geometry.py").write_text(source)
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = grade_class(folder, tmp_path / "out", jobs=2, limits=_short(), progress=quiet())
    for outcome in result.students:
        scores = {e.id: e.score for e in outcome.result.exercises}
        assert scores.pop("ex02") == 0, outcome.student
        assert set(scores.values()) == {10}, (outcome.student, scores)
    assert tagged_processes() == []
    assert os.listdir(private_tmp) == []
    private_tmp.rmdir()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before < 256 * 1024  # KiB


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs, one per grading process")
def test_each_grading_process_and_its_worker_share_one_cpu_of_their_own(tmp_path, monkeypatch):
    """A grading process and its worker take turns hundreds of times per student: on one CPU that is cheap."""
    monkeypatch.delenv("GRADER_PIN_CPUS", raising=False)
    cpus = len(os.sched_getaffinity(0))
    folder = tmp_path / "class"
    reporter = "import os\nprint('cpus', sorted(os.sched_getaffinity(0)))\n"
    reference = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text()
    students = [f"s{n}" for n in range(cpus)]  # the first student of each grading process
    for student in students:
        (folder / student).mkdir(parents=True)
        (folder / student / "ex02_gradient_geometry.py").write_text(reporter + reference)
    grade_class(folder, tmp_path / "out", jobs=cpus, limits=_short(), progress=quiet())
    seen = []
    for student in students:
        results = json.loads((tmp_path / "out" / student / "results.json").read_text())
        output = next(e["output"] for e in results["exercises"] if e["id"] == "ex02")
        seen.append(output.split("cpus", 1)[1].strip().splitlines()[0])
    assert all(len(json.loads(cpus)) == 1 for cpus in seen), seen
    assert len(set(seen)) == cpus, seen  # a CPU of its own for each


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs, one per grading process")
@pytest.mark.skipif(not cgroup.cpu_bounds_available(), reason="needs the cpuset controller (root, or delegated)")
def test_learner_code_cannot_move_onto_a_neighbours_cpu(tmp_path, monkeypatch):
    """A student's busy processes moved onto the other grading process's CPU would slow its student into timeouts."""
    monkeypatch.delenv("GRADER_PIN_CPUS", raising=False)
    cpus = sorted(os.sched_getaffinity(0))
    folder = tmp_path / "class"
    widen = f"import os\nos.sched_setaffinity(0, {set(cpus)})\nprint('cpus', sorted(os.sched_getaffinity(0)))\n"
    reference = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text()
    students = [f"s{n}" for n in range(len(cpus))]
    for student in students:
        (folder / student).mkdir(parents=True)
        (folder / student / "ex02_gradient_geometry.py").write_text(widen + reference)
    grade_class(folder, tmp_path / "out", jobs=len(cpus), limits=_short(), progress=quiet())
    for student in students:
        results = json.loads((tmp_path / "out" / student / "results.json").read_text())
        ex02 = next(e for e in results["exercises"] if e["id"] == "ex02")
        assert ex02["score"] == 10, ex02["message"]
        assert len(json.loads(ex02["output"].split("cpus", 1)[1].strip().splitlines()[0])) == 1, ex02["output"]


def test_grading_processes_are_not_pinned_when_asked_or_when_cpus_are_too_few(monkeypatch):
    from grader.batch import _cpus_for

    cpus = len(os.sched_getaffinity(0))
    assert len(_cpus_for(cpus)) == (cpus if cpus > 1 else 0)
    assert _cpus_for(cpus + 1) == [] and _cpus_for(1) == []
    monkeypatch.setenv("GRADER_PIN_CPUS", "off")
    assert _cpus_for(cpus) == []


def test_the_dashboard_of_a_batch_is_that_of_its_whole_results_though_it_keeps_no_failed_check(tmp_path):
    """The batch tallies each student's failed checks as they come in, and keeps only their row."""
    from grader.model import GradeResult, StudentStatus
    from grader.reporting.dashboard import render_dashboard

    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("kim-hyunwoo", "tom-oconnor", "wei-zhang", "jmartinez42.ipynb", "alice-nguyen"):
        source = PROJECT_DIR / "examples" / "class" / name
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, folder / name)
    out = tmp_path / "out"
    for run in ("graded", "reused"):
        result = grade_class(folder, out, jobs=2, limits=_short(), progress=quiet())
        assert {o.status for o in result.students} == {StudentStatus(run)}
        assert not [c for o in result.students for e in o.result.exercises for c in e.checks], run
        whole = replace(
            result,
            students=[
                replace(o, result=GradeResult.from_dict(json.loads((out / o.student / "results.json").read_text())))
                for o in result.students
            ],
        )
        assert any(c.status != "passed" for o in whole.students for e in o.result.exercises for c in e.checks)
        assert (out / "index.html").read_text() == render_dashboard(whole), run


def test_a_write_left_unfinished_by_a_killed_grading_process_is_removed(tmp_path):
    from grader.batch import Task, grade_task, save

    task = Task("ada", str(REFERENCE_DIR), "key")
    unfinished = tmp_path / "out" / "ada" / ".results.json.x1y2z3"
    unfinished.parent.mkdir(parents=True)
    unfinished.write_text('{"score": ')
    outcome = save(tmp_path / "out", task, grade_task(task, None, _short(), out=tmp_path / "out"))
    assert outcome.result.score == 100
    assert sorted(p.name for p in unfinished.parent.iterdir()) == [".grade-key", "report.html", "results.json"]


def version_of_copy(project: Path) -> str:
    """grader_version() as the grader copied to ``project`` computes it."""
    done = subprocess.run(
        [sys.executable, "-c", "from grader.batch import grader_version; print(grader_version())"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_any_change_to_what_grades_regrades_everyone(tmp_path):
    """A change deep in a subpackage, or to a stub the learners started from, makes every cached grade stale."""
    from grader.course import engine_files

    project = tmp_path / "project"
    for name, path in engine_files(with_reference=True):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, project / name)
    before = version_of_copy(project)
    assert before == version_of_copy(project)
    versions = {before}
    for changed in (
        "grader/checking/diagnose.py",
        "grader/isolation/worker.py",
        f"assignments/{EXERCISES[0].module}.py",
    ):
        with (project / changed).open("a") as file:
            file.write("\n# changed\n")
        versions.add(version_of_copy(project))
    assert len(versions) == 4


def test_a_grade_made_in_another_isolation_mode_is_not_reused(tmp_path, monkeypatch):
    from grader.isolation.sandbox import forget_probes, isolation_mode

    forget_probes()
    if isolation_mode()[0] != "bubblewrap":
        pytest.skip("needs bubblewrap, to compare with process mode")
    folder, out = tmp_path / "class", tmp_path / "out"
    shutil.copytree(REFERENCE_DIR, folder / "ada")
    grade_class(folder, out, jobs=1, limits=_short(), progress=quiet())
    monkeypatch.setenv("GRADER_ISOLATION", "process")
    forget_probes()
    try:
        again = grade_class(folder, out, jobs=1, limits=_short(), progress=quiet())
    finally:
        monkeypatch.delenv("GRADER_ISOLATION")
        forget_probes()
    assert [(o.status, o.result.isolation) for o in again.students] == [("graded", "process")]
