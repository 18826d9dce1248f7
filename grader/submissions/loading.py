"""Turning what a student handed in into code per exercise, ready for the worker.

A submission is a folder of the ten modules (directly or in ``assignments/``), a notebook, or
a folder holding one notebook. It is read once, without following any link (``tree``), and
graded from those bytes only; its fingerprint, which seeds the hidden inputs, covers every file
it holds, not only the modules. A folder holding both (a starter repository) is graded per
exercise from where the work is: the module, unless it is still the starter stub and the
notebook's cells for that exercise were worked on. ``load`` never raises on a student's mistake: a missing module,
a broken notebook or an empty folder becomes a ``Submission`` whose exercises say what is
wrong, so it is graded (at 0 where nothing can run) with a clear message.
"""

from __future__ import annotations

import functools
import hashlib
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from grader.course import ASSIGNMENTS_DIR, EXERCISES, Exercise
from grader.submissions import notebook, tree
from grader.submissions.tree import TOOL_DIRS, Tree

MAX_COPY_BYTES = 50 << 20
MAX_COPY_FILES = 2000
COURSE_NOTEBOOK = "exercises.ipynb"  # the student notebook's name, as `grader notebook` and releases write it
LINKS_NOT_READ = "links are not followed: submit the files themselves"


class Place(NamedTuple):
    """A notebook cell and the exercise it belongs to (None: a cell of no exercise, after a markdown cell)."""

    cell: str
    exercise: int | None

    def __str__(self) -> str:
        return f"{self.cell} ({'no exercise' if self.exercise is None else f'exercise {self.exercise}'})"


@dataclass
class ExerciseCode:
    """The learner's code for one exercise: a module file, notebook cells, or nothing."""

    exercise_id: str
    module: str
    kind: str  # "module" | "cells" | "missing"
    path: str = ""  # the module's path inside the sandbox, for kind "module"
    cells: list[notebook.Cell] = field(default_factory=list)  # setup cells first, for kind "cells"
    missing_reason: str = ""
    # Names its cells do not define but other cells of the notebook do: {name: Place("cell 16", 7)}.
    defined_elsewhere: dict[str, Place] = field(default_factory=dict)

    def request(self) -> dict:
        """What the worker needs to load this exercise."""
        if self.kind == "module":
            return {"kind": "module", "module": self.module, "path": self.path}
        return {"kind": "cells", "cells": [{"label": c.label, "code": c.code, "setup": c.setup} for c in self.cells]}

    def describe(self) -> str:
        return f"{self.module}.py" if self.kind == "module" else f"the notebook cells of {self.exercise_id}"


@dataclass
class Submission:
    source: Path
    exercises: dict[str, ExerciseCode]
    files_root: Path | None = None  # folder copied into the sandbox, for folder submissions
    files: dict[str, bytes] = field(default_factory=dict)  # what is copied there, by path relative to it
    lone_module: str = ""  # a single module given alone (its name): graded as its exercise alone
    notes: list[str] = field(default_factory=list)  # skipped magics, ignored cells, ...
    problem: str = ""  # why nothing could be graded, when that is the case
    fingerprint: str = ""


def regular_file(path: Path) -> bool:
    """A plain file, not a link, a FIFO (that blocks) or a device (its last component only)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def mentions_matplotlib(path: Path) -> bool:
    """A quick look, before parsing, at whether the code may plot (the worker then preloads it)."""
    try:
        files = tree.read(path).files
    except tree.Unreadable:
        return False
    return any(b"matplotlib" in data for name, data in files.items() if name.endswith((".py", ".ipynb")))


def load(path: Path) -> Submission:
    """Read a submission at ``path``; module paths are relative to the worker's scratch folder."""
    path = Path(path)
    try:
        files = tree.read(path)
    except tree.Unreadable as error:
        return _empty(path, str(error))
    if files.single_file and path.suffix == ".py":
        return _from_module(path, files.files.get(path.name), files.unread.get(path.name, ""))
    if files.single_file and path.suffix.lower() != ".ipynb":
        return _empty(
            path,
            f"{path.name} is not a notebook (.ipynb), an exercise module (such as ex01_partial_derivatives.py)"
            " or a folder of them: nothing to grade",
        )
    if files.single_file:
        return _from_notebook(path, files.files.get(path.name), files.unread.get(path.name, ""))
    prefix = _modules_prefix(files)
    notebooks = sorted(p for p in [*files.files, *files.unread] if p.endswith(".ipynb") and _visible(p))
    notebook_path, passed_over = _course_notebook(notebooks)
    if prefix is None:
        if notebook_path is not None:
            submission = _from_notebook(path / notebook_path, *_notebook_bytes(files, notebook_path))
            submission.notes.extend(passed_over + _link_notes(files))
            submission.fingerprint = files.digest()
            return submission
        if len(notebooks) > 1:
            return _empty(path, f"found several notebooks ({', '.join(notebooks[:5])}); submit one, or the ten modules")
        links = f" ({_links_named(files.links)}: {LINKS_NOT_READ})" if files.links else ""
        return _empty(
            path, f"found neither the exercise modules (ex01_partial_derivatives.py, ...) nor a notebook{links}"
        )
    exercises = {}
    for exercise in EXERCISES:
        name = f"{prefix}{exercise.module}.py"
        if name in files.files:
            exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "module", path=f"{exercise.module}.py")
        else:
            exercises[exercise.id] = _missing(exercise, _missing_module_reason(files, prefix, exercise))
    folder = Submission(path, exercises, files_root=path / prefix, fingerprint=files.digest())
    folder.files, copy_notes = _files_to_copy(files, prefix)
    if len(notebooks) > 1 and notebook_path is None:
        folder.notes.append(
            f"notebooks not read ({', '.join(notebooks[:5])}): there are several and none is {COURSE_NOTEBOOK}"
        )
    folder.notes.extend(passed_over + _link_notes(files) + copy_notes)
    return _with_notebook_work(folder, files, notebook_path) if notebook_path else folder


def _from_module(path: Path, data: bytes | None, unread: str) -> Submission:
    """A lone module named like an exercise's: that exercise, graded alone (the others are not asked for)."""
    exercise = next((e for e in EXERCISES if e.module == path.stem), None)
    if exercise is None:
        near = [f"{e.module}.py" for e in EXERCISES if path.stem.startswith((e.id, f"ex{e.number}_"))]
        named = f"rename it {near[0]}" if near else "rename it after its exercise (ex01_partial_derivatives.py, ...)"
        return _empty(path, f"{path.name} is not named like an exercise module: {named}, or give the folder")
    if data is None:
        return _empty(path, f"{path.name}: not read: {unread or 'it is not a regular file'}")
    exercises = {e.id: _missing(e, f"only {path.name} was given") for e in EXERCISES}
    exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "module", path=path.name)
    fingerprint = hashlib.sha256(data).hexdigest()
    return Submission(
        path, exercises, files_root=path.parent, files={path.name: data}, lone_module=path.name, fingerprint=fingerprint
    )


def _links_named(links: list[str]) -> str:
    shown = ", ".join(links[:5]) + (f" and {len(links) - 5} more" if len(links) > 5 else "")
    return f"{shown} {'is a link' if len(links) == 1 else 'are links'}"


def _link_notes(files: Tree) -> list[str]:
    notes = [f"{_links_named(files.links)}, not read: {LINKS_NOT_READ}"] if files.links else []
    if files.specials:
        notes.append(f"{', '.join(files.specials[:5])}: not a regular file, not read")
    return notes


def _notebook_bytes(files: Tree, name: str) -> tuple[bytes | None, str]:
    return files.files.get(name), files.unread.get(name, "")


def _course_notebook(notebooks: list[str]) -> tuple[str | None, list[str]]:
    """The notebook to read (the only one, or the course's by name) and notes on those passed over."""
    if len(notebooks) == 1:
        return notebooks[0], []
    named = [p for p in notebooks if PurePosixPath(p).name == COURSE_NOTEBOOK]
    if len(named) != 1:
        return None, []
    others = ", ".join(p for p in notebooks if p != named[0])
    return named[0], [f"notebooks not read: {others} (the course's notebook is {COURSE_NOTEBOOK})"]


def _visible(relative: str) -> bool:
    """Not in a hidden folder (.autograder, .git) nor in a tool's folder (__pycache__, venv)."""
    parts = relative.split("/")
    return not (set(parts) & TOOL_DIRS or any(p.startswith(".") for p in parts))


def _files_to_copy(files: Tree, prefix: str) -> tuple[dict[str, bytes], list[str]]:
    """The visible files under the modules' folder, by path relative to it, within the copy's caps."""
    copied, notes, total = {}, [], 0
    for name, data in files.files.items():
        if not name.startswith(prefix) or not _visible(name):
            continue
        relative = name[len(prefix) :]
        if total + len(data) > MAX_COPY_BYTES or len(copied) >= MAX_COPY_FILES:
            notes.append(
                f"{relative}: not copied, the submission is over {MAX_COPY_BYTES >> 20} MB or {MAX_COPY_FILES} files"
            )
            continue
        copied[relative] = data
        total += len(data)
    notes += [f"{name}: not read, {why}" for name, why in files.unread.items() if _visible(name)]
    return copied, notes


def _with_notebook_work(folder: Submission, files: Tree, notebook_path: str) -> Submission:
    """Take each exercise whose module is untouched from the notebook, if its cells were worked on."""
    data, unread = _notebook_bytes(files, notebook_path)
    if data is not None and data == _starter_notebook():
        return folder  # the notebook as handed out: nothing to read (and nbformat's import is skipped)
    parsed, _ = _read_notebook(data, unread)
    if parsed is None:
        return folder
    for exercise in EXERCISES:
        cells = parsed.exercises.get(exercise.number)
        if not cells or not _is_starter_module(folder.files.get(f"{exercise.module}.py"), exercise):
            continue
        if [c.code.strip() for c in cells] == _starter_cells().get(exercise.number):
            continue
        folder.exercises[exercise.id] = ExerciseCode(exercise.id, exercise.module, "cells", cells=parsed.setup + cells)
        folder.notes.append(
            f"{exercise.id}: graded from {PurePosixPath(notebook_path).name}, where the work is ({exercise.module}.py"
            " is the unchanged starter)"
        )
    if any(c.kind == "cells" for c in folder.exercises.values()):
        folder.notes.extend(parsed.skipped)
    return folder


def _is_starter_module(module: bytes | None, exercise: Exercise) -> bool:
    if module is None:
        return True
    starter = ASSIGNMENTS_DIR / f"{exercise.module}.py"
    return starter.is_file() and _as_written(module) == _as_written(starter.read_bytes())


def _as_written(source: bytes) -> list[bytes]:
    """A module's lines as its author wrote them: without what a checkout or an editor changes
    on its own (Windows line endings, a byte-order mark, trailing blanks)."""
    source = source.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return [line.rstrip() for line in source.strip().split(b"\n")]


@functools.cache
def _starter_notebook() -> bytes | None:
    try:
        return (ASSIGNMENTS_DIR / COURSE_NOTEBOOK).read_bytes()
    except OSError:
        return None


@functools.cache
def _starter_cells() -> dict[int, list[str]]:
    """The starter notebook's learner cells per exercise, as a student first sees them."""
    try:
        parsed = notebook.read((ASSIGNMENTS_DIR / COURSE_NOTEBOOK).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, notebook.NotebookError):
        return {}
    return {n: [c.code.strip() for c in cells] for n, cells in parsed.exercises.items()}


def _modules_prefix(files: Tree) -> str | None:
    """Where the modules are: "" (the submission's top) or "assignments/", or None."""
    for prefix in ("", "assignments/"):
        if any(f"{prefix}{e.module}.py" in files.files for e in EXERCISES):
            return prefix
    return None


def _missing_module_reason(files: Tree, prefix: str, exercise: Exercise) -> str:
    name = f"{prefix}{exercise.module}.py"
    if name in files.links:
        return f"{exercise.module}.py is a link: links are not read, submit the file itself"
    if name in files.unread:
        return f"{exercise.module}.py is not read: {files.unread[name]}"
    if name in files.specials:
        return f"{exercise.module}.py is not a regular file (a FIFO or a device?): not read"
    near = sorted(
        PurePosixPath(p).name
        for p in files.files
        if p.startswith(f"{prefix}{exercise.id}") and p.endswith(".py") and "/" not in p[len(prefix) :]
    )
    hint = f" (found {', '.join(near)}: the file name must match exactly)" if near else ""
    return f"{exercise.module}.py is missing from the submission{hint}"


def _missing(exercise: Exercise, reason: str) -> ExerciseCode:
    return ExerciseCode(exercise.id, exercise.module, "missing", missing_reason=reason)


def _empty(path: Path, problem: str) -> Submission:
    exercises = {e.id: _missing(e, problem) for e in EXERCISES}
    return Submission(path, exercises, problem=problem, fingerprint=hashlib.sha256(problem.encode()).hexdigest())


def _read_notebook(data: bytes | None, unread: str) -> tuple[notebook.ParsedNotebook | None, str]:
    """The parsed notebook, or None and why not."""
    if data is None:
        return None, f"not read: {unread or 'it is not a regular file'}"
    try:
        return notebook.read(data.decode("utf-8-sig")), ""  # Windows editors may start the file with a BOM
    except UnicodeDecodeError:
        return None, "the notebook is not UTF-8 text"
    except notebook.NotebookError as exc:
        return None, str(exc)


def _defined_elsewhere(parsed: notebook.ParsedNotebook, number: int, names: dict[str, set[str]]) -> dict[str, Place]:
    """Names other cells define that exercise ``number``'s own cells and the setup cells do not.

    ``names``: each cell's ``notebook.defined_names``, by label (scanned once for all exercises).
    """
    own = set().union(*(names[c.label] for c in parsed.setup + parsed.exercises[number]))
    places = [(c, n) for n, cells in parsed.exercises.items() if n != number for c in cells]
    places += [(c, None) for c in parsed.unassigned]
    elsewhere: dict[str, Place] = {}
    for cell, owner in places:
        for name in names[cell.label] - own:
            elsewhere.setdefault(name, Place(cell.label, owner))
    return elsewhere


def _from_notebook(path: Path, data: bytes | None, unread: str = "") -> Submission:
    parsed, problem = _read_notebook(data, unread)
    fingerprint = hashlib.sha256(data if data is not None else unread.encode()).hexdigest()
    if parsed is None:
        exercises = {e.id: _missing(e, f"the notebook could not be read: {problem}") for e in EXERCISES}
        return Submission(path, exercises, problem=f"{path.name}: {problem}", fingerprint=fingerprint)
    exercises = {}
    every_cell = [*parsed.setup, *(c for cells in parsed.exercises.values() for c in cells), *parsed.unassigned]
    names = {cell.label: notebook.defined_names(cell.code) for cell in every_cell}
    for exercise in EXERCISES:
        number = exercise.number
        cells = parsed.exercises.get(number)
        if cells:
            code = ExerciseCode(exercise.id, exercise.module, "cells", cells=parsed.setup + cells)
            code.defined_elsewhere = _defined_elsewhere(parsed, number, names)
            exercises[exercise.id] = code
        elif number in parsed.solution_cells:
            exercises[exercise.id] = _missing(exercise, _solution_cells_reason(parsed, number))
        else:
            reason = f"the notebook has no learner cell for exercise {number} (tag it exercise-{number})"
            exercises[exercise.id] = _missing(exercise, reason)
    unknown = sorted(set(parsed.exercises) - {e.number for e in EXERCISES})
    notes = parsed.skipped + [f"cells for exercise {n} ignored: there is no such exercise" for n in unknown]
    notes += [
        f"{_solution_cells_reason(parsed, n)} (exercise {n} is graded from its other cells)"
        for n in sorted(parsed.solution_cells)
        if parsed.exercises.get(n)
    ]
    return Submission(path, exercises, notes=notes, fingerprint=fingerprint)


def _solution_cells_reason(parsed: notebook.ParsedNotebook, number: int) -> str:
    cells = ", ".join(parsed.solution_cells[number])
    return (
        f"{cells}, tagged exercise-{number}, {'starts' if ',' not in cells else 'start'} with `# Solution`, the"
        " heading of the course's reference cells, which are never graded: head your answer `# Your Solution`"
        " (or remove the `# Solution` line)"
    )


def copy_into(submission: Submission, scratch: Path) -> None:
    """Write a folder submission's files, as read at loading, into the sandbox's scratch folder."""
    tree.write(submission.files, scratch)
