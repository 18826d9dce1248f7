"""The students' starter files, the same on every platform, and the parts of a grading bundle.

``write_student_tree(OUT, target)`` writes the stubs and the student notebook, a student README
(its "how grading works" section depends on the platform), a ``requirements.txt`` and
``.autograder/``: the grader without the reference solutions and without the checks marked
``hidden``, plus the public checks' recording (``grader.public``), so that ``grader check`` runs
the checks at the public inputs. Nothing of the reference, of the hidden checks or of the hidden
inputs is written there.

Each target (``grader.release.targets``) adds its own grading files to that tree.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from grader.course import ASSIGNMENTS_DIR, EXERCISES, TEMPLATES_DIR, engine_files

ENGINE_DIR = ".autograder"
COURSE_TITLE = "Partial Derivatives and Gradients: exercises"
REQUIREMENTS = f"""\
# The grader's public checks and what they need: pip install -r requirements.txt
-e ./{ENGINE_DIR}
"""
ENGINE_README = """\
# The grader's public checks

This folder is the grader without the instructor's solutions: the checks, the engine that
runs them, and `grader/public_expectations.grw`, the expected values at the public inputs.
`grader check` (see ../README.md) runs them. Do not edit it: your grade does not come from
this copy.
"""
GITIGNORE = "__pycache__/\n.ipynb_checkpoints/\n*.egg-info/\n.venv/\nvenv/\nreport.html\ngrader-report/\n"


def write_student_tree(out: Path, target: str, **readme: object) -> list[Path]:
    """The files every student starts from, with the public checks; ``readme`` fills the README's platform part."""
    written = [
        copy_file(ASSIGNMENTS_DIR / f"{exercise.module}.py", out / f"{exercise.module}.py") for exercise in EXERCISES
    ]
    from grader.release.notebook import build_notebook

    build_notebook(out / "exercises.ipynb")
    written.append(out / "exercises.ipynb")
    written += write_public_engine(out / ENGINE_DIR)
    texts = {
        out / ENGINE_DIR / "README.md": ENGINE_README,
        out / "requirements.txt": REQUIREMENTS,
        out / ".gitignore": GITIGNORE,
        out / "README.md": release_templates()
        .get_template("README.md.j2")
        .render(course_title=COURSE_TITLE, target=target, **readme),
    }
    return written + [write_text(path, text) for path, text in texts.items()]


def write_public_engine(engine: Path) -> list[Path]:
    """The grader without the reference and the hidden checks, with the public checks' recording."""
    from grader.public import EXPECTATIONS_FILE, record

    recording = record()  # before writing anything: a reference that fails its own checks stops here
    written = []
    for relative, source in engine_files(with_reference=False):
        if relative.startswith("grader/exercises/"):
            written.append(write_text(engine / relative, without_hidden_checks(source.read_text())))
        else:
            written.append(copy_file(source, engine / relative))
    expectations = engine / "grader" / EXPECTATIONS_FILE.name
    recording.save(expectations)
    return written + [expectations]


def write_grading_bundle(bundle: Path, settings: dict, entry_template: str, entry_point: str) -> list[Path]:
    """A platform's grading folder beside its ``engine/``: settings, requirements and the entry script.

    ``entry_template`` is the script's file in ``templates/release``, written as ``entry_point``.
    """
    from grader.exporters.gradescope import project_dependencies
    from grader.release.runtime import REQUIREMENTS_FILE, SETTINGS_FILE

    texts = {
        bundle / SETTINGS_FILE: json.dumps(settings, indent=2) + "\n",
        bundle / REQUIREMENTS_FILE: "".join(f"{r}\n" for r in project_dependencies()),
        bundle / entry_point: (TEMPLATES_DIR / "release" / entry_template).read_text(encoding="utf-8"),
    }
    return [write_text(path, text) for path, text in texts.items()]


def public_points() -> list[float]:
    """The points of every check a public run grades (the checks not marked hidden)."""
    points = []
    for exercise in EXERCISES:
        tree = ast.parse(without_hidden_checks(exercise.check_module_path.read_text()))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check":
                points += [k.value.value for k in node.keywords if k.arg == "points"]
    return points


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


def write_text(target: Path, text: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def copy_file(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def release_templates() -> Environment:
    # Markdown, YAML and Python: no HTML escaping, unlike the report templates.
    return Environment(loader=FileSystemLoader(TEMPLATES_DIR / "release"), trim_blocks=True, keep_trailing_newline=True)
