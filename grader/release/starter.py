"""The students' starter repository, as an instructor pushes it for a GitHub Classroom template.

``write_release(OUT)`` writes the stubs and the student notebook, a student README, a
``requirements.txt`` and ``.github/workflows/classroom.yml``, plus ``.autograder/``: the grader
without the reference solutions and without the checks marked ``hidden``, and the public
checks' recording (``grader.public``) so that ``grader check`` and the workflow can run the
checks at the public inputs. Nothing of the reference, of the hidden checks or of the hidden
inputs is written.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from grader.course import ASSIGNMENTS_DIR, EXERCISES, REFERENCE_DIR, TEMPLATES_DIR, engine_files, title_of
from grader.release.notebook import build_notebook

ENGINE_DIR = ".autograder"
WORKFLOW = ".github/workflows/classroom.yml"
SETUP_COMMAND = "pip install -r requirements.txt"
TIMEOUT_MINUTES = 10  # the command grader's unit; grading takes seconds, installing most of the time
REQUIREMENTS = f"""\
# The grader's public checks and what they need: pip install -r requirements.txt
-e ./{ENGINE_DIR}
"""
ENGINE_README = """\
# The grader's public checks

This folder is the grader without the instructor's solutions: the checks, the engine that
runs them, and `grader/public_expectations.grw`, the expected values at the public inputs.
`grader check` (see ../README.md) runs them. Do not edit it: your grade comes from the
instructor's run at hidden inputs, not from this copy.
"""
GITIGNORE = "__pycache__/\n.ipynb_checkpoints/\n*.egg-info/\n.venv/\nvenv/\nreport.html\n"
STEPS = {
    "one": "One step grades everything and reports one score per check: partial credit.",
    "per-exercise": "One command-grader step per exercise: each scores all or nothing (the platform's rule).",
}


class ReleaseError(Exception):
    """The release cannot be written here (the folder is in use, or this is not the instructor's tree)."""


@dataclass
class WorkflowStep:
    name: str
    id: str
    command: str
    max_score: float
    command_grader: bool  # a classroom-resources/autograding-command-grader step, else a plain run step


def write_release(out: Path, steps: str = "one") -> list[Path]:
    """Write the starter repository into ``out`` (new or empty); return the files written."""
    from grader.public import EXPECTATIONS_FILE, record

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not an empty folder: choose a new one")
    if not REFERENCE_DIR.is_dir():
        raise ReleaseError("the reference solutions are not here: run `grader release` in the instructor's project")
    if steps not in STEPS:
        raise ReleaseError(f"--steps must be one of {', '.join(STEPS)}")
    recording = record()  # before writing anything: a reference that fails its own checks stops here
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in EXERCISES:
        written.append(_copy(ASSIGNMENTS_DIR / f"{exercise.module}.py", out / f"{exercise.module}.py"))
    build_notebook(out / "exercises.ipynb")
    written.append(out / "exercises.ipynb")
    engine = out / ENGINE_DIR
    for relative, source in engine_files(with_reference=False):
        if relative.startswith("grader/exercises/"):
            written.append(_write(engine / relative, without_hidden_checks(source.read_text())))
        else:
            written.append(_copy(source, engine / relative))
    expectations = engine / "grader" / EXPECTATIONS_FILE.name
    recording.save(expectations)
    written.append(expectations)
    templates = _release_templates()
    texts = {
        engine / "README.md": ENGINE_README,
        out / "requirements.txt": REQUIREMENTS,
        out / ".gitignore": GITIGNORE,
        out / "README.md": templates.get_template("README.md.j2").render(
            course_title="Partial Derivatives and Gradients: exercises", steps=steps
        ),
        out / WORKFLOW: templates.get_template("classroom.yml.j2").render(
            steps=workflow_steps(steps),
            steps_note=STEPS[steps],
            setup_command=SETUP_COMMAND,
            timeout_minutes=TIMEOUT_MINUTES,
        ),
    }
    written += [_write(path, text) for path, text in texts.items()]
    return written


def workflow_steps(steps: str) -> list[WorkflowStep]:
    """The grading steps of the workflow, between the checkout and the reporter."""
    if steps == "one":
        command = "grader grade . --format classroom"
        return [WorkflowStep("Public checks (not the grade)", "public-checks", command, 100, False)]
    return [
        WorkflowStep(f"{e.id} {title_of(e)}", e.id, f"grader check {e.id}", 10, True)  # 10 points each: the contract
        for e in EXERCISES
    ]


def without_hidden_checks(source: str) -> str:
    """A check module's source without its ``@check(..., hidden=True)`` functions, decorators included."""
    lines = source.splitlines(keepends=True)
    for node in reversed(ast.parse(source).body):
        if isinstance(node, ast.FunctionDef) and any(_is_hidden_check(d) for d in node.decorator_list):
            start = min(d.lineno for d in node.decorator_list) - 1
            del lines[start : node.end_lineno]
    return "".join(lines).rstrip() + "\n"


def _is_hidden_check(decorator: ast.expr) -> bool:
    return (
        isinstance(decorator, ast.Call)
        and getattr(decorator.func, "id", None) == "check"
        and any(k.arg == "hidden" and getattr(k.value, "value", False) is True for k in decorator.keywords)
    )


def _write(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _release_templates() -> Environment:
    # Markdown and YAML: no HTML escaping, unlike the report templates.
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR / "release"), trim_blocks=True, keep_trailing_newline=True)
