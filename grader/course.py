"""Where the course lives: the exercises, the reference solutions, the stubs and the templates.

The exercise list is the set of check modules in ``grader/exercises``: each is named after the
learner module it grades (``ex01_partial_derivatives.py`` grades ``ex01_partial_derivatives``),
so adding an exercise means adding a stub, a reference solution and a check module.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
CHECKS_DIR = PACKAGE_DIR / "exercises"
REFERENCE_DIR = Path(os.environ.get("GRADER_REFERENCE_DIR", PROJECT_DIR / "reference"))
ASSIGNMENTS_DIR = PROJECT_DIR / "assignments"
TEMPLATES_DIR = PROJECT_DIR / "templates"


@dataclass(frozen=True)
class Exercise:
    id: str  # "ex01"
    module: str  # "ex01_partial_derivatives": the learner's module name, from the contract
    number: int

    @property
    def check_module_path(self) -> Path:
        return CHECKS_DIR / f"{self.module}.py"


def _discover() -> tuple[Exercise, ...]:
    modules = sorted(p.stem for p in CHECKS_DIR.glob("ex[0-9][0-9]_*.py"))
    return tuple(Exercise(m[:4], m, int(m[2:4])) for m in modules)


EXERCISES = _discover()


def load_reference(exercise: Exercise):
    """The instructor's solution for ``exercise``, imported once per process under a private name."""
    return _import_reference(REFERENCE_DIR / f"{exercise.module}.py", exercise.module)


def load_every_reference() -> None:
    """Import every reference now, before any learner code runs: nothing it does later changes them."""
    for exercise in EXERCISES:
        load_reference(exercise)


@functools.cache
def _import_reference(path: Path, module: str):
    spec = importlib.util.spec_from_file_location(f"_grader_reference_{module}", path)
    imported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(imported)
    return imported


def title_of(exercise: Exercise) -> str:
    """The exercise's title, read from the stub's TITLE line without importing it."""
    for line in (ASSIGNMENTS_DIR / f"{exercise.module}.py").read_text().splitlines():
        if line.startswith("TITLE = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    return exercise.module


def engine_files(with_reference: bool) -> list[tuple[str, Path]]:
    """The files that run the grader somewhere else, as (path relative to the project, file).

    A student's repository gets them without the reference (its checks run on the public
    inputs); a Gradescope autograder, which students never see, gets the reference too.
    """
    folders = [
        ("grader", PACKAGE_DIR, "**/*"),
        ("templates", TEMPLATES_DIR, "*"),
        ("assignments", ASSIGNMENTS_DIR, "*"),
    ]
    if with_reference:
        folders.append(("reference", REFERENCE_DIR, "*.py"))
    files = [("pyproject.toml", PROJECT_DIR / "pyproject.toml")]
    for prefix, folder, pattern in folders:
        for path in sorted(folder.glob(pattern)):
            relative = path.relative_to(folder)
            hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
            if path.is_file() and not hidden and path.suffix in (".py", ".j2", ".ipynb", ".grw"):
                files.append((f"{prefix}/{relative.as_posix()}", path))
    return files
