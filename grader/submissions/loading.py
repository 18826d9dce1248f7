"""Turning what a student handed in into code per exercise, ready for the worker.

A submission is a folder of the ten modules (directly or in ``assignments/``), a notebook, or
a folder holding one notebook. A folder holding both (a starter repository) is graded per
exercise from where the work is: the module, unless it is still the starter stub and the
notebook's cells for that exercise were worked on. ``load`` never raises on a student's mistake: a missing module,
a broken notebook or an empty folder becomes a ``Submission`` whose exercises say what is
wrong, so it is graded (at 0 where nothing can run) with a clear message.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import ASSIGNMENTS_DIR, EXERCISES, Exercise
from grader.submissions import notebook

MAX_COPY_BYTES = 50 << 20
MAX_COPY_FILES = 2000
COURSE_NOTEBOOK = "exercises.ipynb"  # the student notebook's name, as `grader notebook` and releases write it
IGNORED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "node_modules", ".venv", "venv"}


@dataclass
class ExerciseCode:
    """The learner's code for one exercise: a module file, notebook cells, or nothing."""

    exercise_id: str
    module: str
    kind: str  # "module" | "cells" | "missing"
    path: str = ""  # the module's path inside the sandbox, for kind "module"
    cells: list[notebook.Cell] = field(default_factory=list)  # setup cells first, for kind "cells"
    missing_reason: str = ""

    def request(self) -> dict:
        """What the worker needs to load this exercise."""
        if self.kind == "module":
            return {"kind": "module", "module": self.module, "path": self.path}
        return {"kind": "cells", "cells": [{"label": c.label, "code": c.code} for c in self.cells]}

    def describe(self) -> str:
        return f"{self.module}.py" if self.kind == "module" else f"the notebook cells of {self.exercise_id}"


@dataclass
class Submission:
    source: Path
    exercises: dict[str, ExerciseCode]
    files_root: Path | None = None  # folder copied into the sandbox, for folder submissions
    lone_module: str = ""  # a single module given alone: its name, the one file of files_root copied
    notes: list[str] = field(default_factory=list)  # skipped magics, ignored cells, ...
    problem: str = ""  # why nothing could be graded, when that is the case
    fingerprint: str = ""


def regular_file(path: Path) -> bool:
    """A plain file, not a link (to someone else's work), a FIFO (that blocks) or a device."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def mentions_matplotlib(path: Path, limit: int = 50 << 20) -> bool:
    """A quick look, before parsing, at whether the code may plot (the worker then preloads it)."""
    files = [path] if path.is_file() else [*path.glob("*.py"), *path.glob("*.ipynb"), *path.glob("assignments/*.py")]
    try:
        return any(
            regular_file(file) and file.stat().st_size < limit and b"matplotlib" in file.read_bytes() for file in files
        )
    except OSError:
        return False


def load(path: Path) -> Submission:
    """Read a submission at ``path``; module paths are relative to the worker's scratch folder."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir() and not regular_file(path)):
        return _empty(path, "the submission is a link or a special file, not a notebook or a folder: not read")
    if path.is_file() and path.suffix == ".py":
        return _from_module(path)
    if path.is_file() and path.suffix.lower() != ".ipynb":
        return _empty(
            path,
            f"{path.name} is not a notebook (.ipynb), an exercise module (such as ex01_partial_derivatives.py)"
            " or a folder of them: nothing to grade",
        )
    if path.is_file():
        return _from_notebook(path)
    modules_dir = _modules_dir(path)
    notebooks = sorted(p for p in path.rglob("*.ipynb") if _visible(p.relative_to(path)) and regular_file(p))
    notebook_path, passed_over = _course_notebook(path, notebooks)
    if modules_dir is None:
        if notebook_path is not None:
            submission = _from_notebook(notebook_path)
            submission.notes.extend(passed_over)
            return submission
        if len(notebooks) > 1:
            names = _names(path, notebooks[:5])
            return _empty(path, f"found several notebooks ({names}); submit one, or the ten modules")
        return _empty(path, "found neither the exercise modules (ex01_partial_derivatives.py, ...) nor a notebook")
    exercises = {}
    for exercise in EXERCISES:
        file = modules_dir / f"{exercise.module}.py"
        if regular_file(file):
            exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "module", path=file.name)
        else:
            exercises[exercise.id] = _missing(exercise, _missing_module_reason(modules_dir, exercise))
    digest = hashlib.sha256()
    for exercise in EXERCISES:
        file = modules_dir / f"{exercise.module}.py"
        digest.update(file.read_bytes() if regular_file(file) else b"-")
    folder = Submission(path, exercises, files_root=modules_dir, fingerprint=digest.hexdigest())
    if len(notebooks) > 1 and notebook_path is None:
        folder.notes.append(
            f"notebooks not read ({_names(path, notebooks[:5])}): there are several and none is {COURSE_NOTEBOOK}"
        )
    folder.notes.extend(passed_over)
    return _with_notebook_work(folder, notebook_path) if notebook_path else folder


def _from_module(path: Path) -> Submission:
    """A lone module named like an exercise's: that exercise, graded alone (the others are not asked for)."""
    exercise = next((e for e in EXERCISES if e.module == path.stem), None)
    if exercise is None:
        near = [f"{e.module}.py" for e in EXERCISES if path.stem.startswith((e.id, f"ex{e.number}_"))]
        named = f"rename it {near[0]}" if near else "rename it after its exercise (ex01_partial_derivatives.py, ...)"
        return _empty(path, f"{path.name} is not named like an exercise module: {named}, or give the folder")
    exercises = {e.id: _missing(e, f"only {path.name} was given") for e in EXERCISES}
    exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "module", path=path.name)
    fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()
    return Submission(path, exercises, files_root=path.parent, lone_module=path.name, fingerprint=fingerprint)


def _names(path: Path, notebooks: list[Path]) -> str:
    return ", ".join(str(p.relative_to(path)) for p in notebooks)


def _course_notebook(path: Path, notebooks: list[Path]) -> tuple[Path | None, list[str]]:
    """The notebook to read (the only one, or the course's by name) and notes on those passed over."""
    if len(notebooks) == 1:
        return notebooks[0], []
    named = [p for p in notebooks if p.name == COURSE_NOTEBOOK]
    if len(named) != 1:
        return None, []
    others = _names(path, [p for p in notebooks if p != named[0]])
    return named[0], [f"notebooks not read: {others} (the course's notebook is {COURSE_NOTEBOOK})"]


def _visible(relative: Path) -> bool:
    """Not in a hidden folder (.autograder, .git) nor in a tool's folder (__pycache__, venv)."""
    return not (set(relative.parts) & IGNORED_DIRS or any(p.startswith(".") for p in relative.parts))


def _with_notebook_work(folder: Submission, notebook_path: Path) -> Submission:
    """Take each exercise whose module is untouched from the notebook, if its cells were worked on."""
    parsed, _, fingerprint = _read_notebook(notebook_path)
    if parsed is None:
        return folder
    for exercise in EXERCISES:
        cells = parsed.exercises.get(exercise.number)
        if not cells or not _is_starter_module(folder.files_root / f"{exercise.module}.py", exercise):
            continue
        if [c.code.strip() for c in cells] == _starter_cells().get(exercise.number):
            continue
        folder.exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "cells", cells=parsed.setup + cells)
        folder.notes.append(
            f"{exercise.id}: graded from {notebook_path.name}, where the work is ({exercise.module}.py is the"
            " unchanged starter)"
        )
    if any(c.kind == "cells" for c in folder.exercises.values()):
        folder.notes.extend(parsed.skipped)
        folder.fingerprint = hashlib.sha256((folder.fingerprint + fingerprint).encode()).hexdigest()
    return folder


def _is_starter_module(module: Path, exercise: Exercise) -> bool:
    if not regular_file(module):
        return True
    starter = ASSIGNMENTS_DIR / f"{exercise.module}.py"
    return starter.is_file() and module.read_bytes().strip() == starter.read_bytes().strip()


@functools.cache
def _starter_cells() -> dict[int, list[str]]:
    """The starter notebook's learner cells per exercise, as a student first sees them."""
    try:
        parsed = notebook.read((ASSIGNMENTS_DIR / COURSE_NOTEBOOK).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, notebook.NotebookError):
        return {}
    return {n: [c.code.strip() for c in cells] for n, cells in parsed.exercises.items()}


def _modules_dir(path: Path) -> Path | None:
    for candidate in (path, path / "assignments"):
        if any((candidate / f"{e.module}.py").is_file() for e in EXERCISES):
            return candidate
    return None


def _missing_module_reason(folder: Path, exercise: Exercise) -> str:
    if (folder / f"{exercise.module}.py").is_symlink():
        return f"{exercise.module}.py is a link: links are not read, submit the file itself"
    near = sorted(p.name for p in folder.glob(f"{exercise.id}*.py"))
    hint = f" (found {', '.join(near)}: the file name must match exactly)" if near else ""
    return f"{exercise.module}.py is missing from the submission{hint}"


def _missing(exercise: Exercise, reason: str) -> ExerciseCode:
    return ExerciseCode(exercise.id, exercise.module, "missing", missing_reason=reason)


def _empty(path: Path, problem: str) -> Submission:
    exercises = {e.id: _missing(e, problem) for e in EXERCISES}
    return Submission(path, exercises, problem=problem, fingerprint=hashlib.sha256(problem.encode()).hexdigest())


def _read_notebook(path: Path) -> tuple[notebook.ParsedNotebook | None, str, str]:
    """The parsed notebook (or None and why not) and its fingerprint."""
    data = path.read_bytes()
    fingerprint = hashlib.sha256(data).hexdigest()
    try:
        return notebook.read(data.decode("utf-8")), "", fingerprint
    except UnicodeDecodeError:
        return None, "the notebook is not UTF-8 text", fingerprint
    except notebook.NotebookError as exc:
        return None, str(exc), fingerprint


def _from_notebook(path: Path) -> Submission:
    parsed, problem, fingerprint = _read_notebook(path)
    if parsed is None:
        exercises = {e.id: _missing(e, f"the notebook could not be read: {problem}") for e in EXERCISES}
        return Submission(path, exercises, problem=f"{path.name}: {problem}", fingerprint=fingerprint)
    exercises = {}
    for exercise in EXERCISES:
        number = exercise.number
        cells = parsed.exercises.get(number)
        if cells:
            exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "cells", cells=parsed.setup + cells)
        else:
            reason = f"the notebook has no learner cell for exercise {number} (tag it exercise-{number})"
            exercises[exercise.id] = _missing(exercise, reason)
    unknown = sorted(set(parsed.exercises) - {e.number for e in EXERCISES})
    notes = parsed.skipped + [f"cells for exercise {n} ignored: there is no such exercise" for n in unknown]
    return Submission(path, exercises, notes=notes, fingerprint=fingerprint)


def copy_into(submission: Submission, scratch: Path) -> list[str]:
    """Copy a folder submission's files into the sandbox's scratch folder, within size caps."""
    if submission.files_root is None:
        return []
    notes, total, count = [], 0, 0
    root = submission.files_root
    for file in [root / submission.lone_module] if submission.lone_module else sorted(root.rglob("*")):
        relative = file.relative_to(submission.files_root)
        if not _visible(relative):
            continue
        if not regular_file(file):
            continue
        size = file.stat().st_size
        if total + size > MAX_COPY_BYTES or count >= MAX_COPY_FILES:
            notes.append(
                f"{relative}: not copied, the submission is over {MAX_COPY_BYTES >> 20} MB or {MAX_COPY_FILES} files"
            )
            continue
        target = scratch / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
        total += size
        count += 1
    return notes
