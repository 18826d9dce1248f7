"""The students' starter repository: what its GitHub Actions workflow does, and what it must not hold.

The workflow's steps are run as GitHub Actions would run them, in fresh copies of the release,
with the grader copy the release ships (``.autograder``), not the instructor's.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from grader.checking.inputs import PublicInputs, Recording
from grader.course import EXERCISES, PACKAGE_DIR, REFERENCE_DIR
from grader.grade import grade_submission
from grader.grading import grade_with_inputs
from grader.release.actions import WORKFLOW
from grader.release.starter import ENGINE_DIR
from grader.release.targets import ReleaseError, write_release

TYPICAL = Path(__file__).parent.parent / "examples" / "typical_mistakes"


@pytest.fixture(scope="module")
def starter(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "starter"
    write_release(out)
    return out


def workflow(out: Path) -> dict:
    return yaml.safe_load((out / WORKFLOW).read_text())


# ------------------------------------------------------------------ the workflow's shape

NODE24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 6}


def test_the_workflow_uses_only_current_github_actions(starter):
    """No classroom action, and every action at a major that runs on Node 24 (the Node 20 ones are deprecated)."""
    text = (starter / WORKFLOW).read_text()
    assert "classroom" not in text.lower()
    steps = workflow(starter)["jobs"]["public-checks"]["steps"]
    used = [step["uses"] for step in steps if "uses" in step]
    assert {u.split("@")[0] for u in used} == set(NODE24_MAJORS)
    for action in used:
        name, version = action.split("@")
        assert int(version.removeprefix("v")) >= NODE24_MAJORS[name], action
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"].endswith("report.html")
    assert not (starter / ".github/workflows/classroom.yml").exists()


def test_student_readme_says_how_the_score_is_made(starter):
    readme = (starter / "README.md").read_text()
    assert "grader check" in readme and "hidden" in readme and "Public checks" in readme
    assert "Classroom" not in readme
    assert (starter / "requirements.txt").read_text().strip().endswith(f"-e ./{ENGINE_DIR}")


# ------------------------------------------------------------------ running the workflow's steps


def solved_copy(out: Path, target: Path) -> Path:
    shutil.copytree(out, target)
    for exercise in EXERCISES:
        shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", target / f"{exercise.module}.py")
    return target


def shim_path(tmp_path: Path) -> str:
    """A PATH whose ``grader`` is what `pip install -r requirements.txt` puts there, without installing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "grader"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m grader "$@"\n')
    shim.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def step_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_workflow(repository: Path, tmp_path: Path) -> dict:
    """Run the workflow's ``run`` steps in order, as the runner would, with the release's own grader.

    ``${{ steps.ID.outputs.NAME }}`` in a step's env is replaced by what step ID wrote to
    $GITHUB_OUTPUT; the install step is replaced by the shim on PATH. Returns, per step id (or
    name), its exit code, output, outputs and step summary.
    """
    runs = {}
    outputs: dict[str, dict[str, str]] = {}
    for index, step in enumerate(workflow(repository)["jobs"]["public-checks"]["steps"]):
        if "run" not in step or step["run"].startswith("pip install"):
            continue
        files = {name: tmp_path / f"{repository.name}-{index}-{name}" for name in ("output", "summary")}
        for file in files.values():
            file.write_text("")
        expression = re.compile(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}")
        step_env = {k: expression.sub(lambda m: outputs[m[1]][m[2]], v) for k, v in step.get("env", {}).items()}
        env = {
            **os.environ,
            **step_env,
            "PATH": shim_path(tmp_path),
            "PYTHONPATH": str(repository / ENGINE_DIR),
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "CI": "true",
        }
        env.pop("GRADER_REFERENCE_DIR", None)
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=repository,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        key = step.get("id", step["name"])
        outputs[key] = step_outputs(files["output"])
        runs[key] = {
            "code": done.returncode,
            "output": done.stdout + done.stderr,
            "summary": files["summary"].read_text(),
        }
    return runs


def annotations_in(output: str) -> list[dict]:
    found = []
    for line in output.splitlines():
        if match := re.match(r"^::(error|notice) (.*?)::(.*)$", line):
            properties = dict(p.split("=", 1) for p in match[2].split(","))
            found.append({"level": match[1], **properties, "message": match[3]})
    return found


def test_the_workflow_steps_grade_annotate_and_gate(starter, tmp_path):
    solved = solved_copy(starter, tmp_path / "solved")
    partly = shutil.copytree(starter, tmp_path / "partly")
    shutil.copyfile(REFERENCE_DIR / "ex02_gradient_geometry.py", partly / "ex02_gradient_geometry.py")
    shutil.copyfile(TYPICAL / "ex03_directional_derivatives.py", partly / "ex03_directional_derivatives.py")
    expected = grade_submission(partly, public=True)  # the instructor's grader, public inputs
    assert 10 < expected.score < 20  # ex02 right, ex03 partly: credit per check, not per exercise

    runs = run_workflow(partly, tmp_path)
    grading, gate = runs["grade"], runs["Full marks on the public checks"]
    assert grading["code"] == 0, grading["output"]
    assert "| ex03" in grading["summary"] and "Public checks, not the grade" in grading["summary"]
    assert (partly / "grader-report/report.html").is_file()  # what the upload step uploads
    assert gate["code"] != 0 and f"{expected.score:g} / 100" in gate["output"]

    found = annotations_in(grading["output"])
    unpassed = [(e, c) for e in expected.exercises for c in e.checks if c.status != "passed"]
    assert len(found) == len(unpassed)
    ex03 = [a for a in found if a["title"].startswith("ex03")]
    assert ex03 and all(a["file"] == "ex03_directional_derivatives.py" for a in ex03)
    source = (partly / "ex03_directional_derivatives.py").read_text().splitlines()
    for annotation in ex03:
        called = annotation["message"].split("(", 1)[0]
        assert source[int(annotation["line"]) - 1].startswith(f"def {called}(")
    assert any("radians" in a["message"] for a in ex03)  # the diagnosis rides along
    assert not [a for a in found if a["title"].startswith("ex02")]

    solved_runs = run_workflow(solved, tmp_path)
    assert solved_runs["grade"]["code"] == 0 and not annotations_in(solved_runs["grade"]["output"])
    assert solved_runs["Full marks on the public checks"]["code"] == 0


def test_an_annotation_points_into_the_notebook(starter, tmp_path):
    import nbformat

    repository = shutil.copytree(starter, tmp_path / "notebook-worker")
    notebook = nbformat.read(repository / "exercises.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "exercise-2" in c.metadata.get("tags", []))
    cell.source = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text().replace(
        "def grad_f(", "def _right_grad_f("
    ) + "\n\ndef grad_f(x, y):\n    return -_right_grad_f(x, y)\n"
    nbformat.write(notebook, repository / "exercises.ipynb")
    grading = run_workflow(repository, tmp_path)["grade"]
    assert grading["code"] == 0, grading["output"]
    on_notebook = [a for a in annotations_in(grading["output"]) if a["title"].startswith("ex02")]
    assert on_notebook and all(a["file"] == "exercises.ipynb" for a in on_notebook)
    lines = (repository / "exercises.ipynb").read_text().splitlines()
    assert any("def grad_f(" in lines[int(a["line"]) - 1] for a in on_notebook)
    assert any("Sign flipped" in a["message"] for a in on_notebook)


def test_learner_text_cannot_break_out_of_an_annotation(tmp_path):
    from grader.exporters.actions import annotations
    from grader.model import CheckResult, ExerciseResult
    from tests.helpers import result_of

    hostile = "boom\n::add-mask::secret\r\n::error::forged 100%"
    check = CheckResult("c", "a", 0.0, 1.0, "failed", message=hostile)
    exercise = ExerciseResult("ex01", "Partial derivatives", 0.0, 10.0, "failed", checks=[check])
    (line,) = annotations(result_of([exercise]), tmp_path)
    assert "\n" not in line and "\r" not in line
    assert "%0A::add-mask::secret%0D%0A::error::forged 100%25" in line


# ------------------------------------------------------------------ no solution material


def function_bodies(source: str) -> set[str]:
    tree = ast.parse(source)
    return {
        ast.dump(ast.Module(body=node.body, type_ignores=[]))
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_stub(node)
    }


def _is_stub(node: ast.FunctionDef) -> bool:
    body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def test_release_holds_no_reference_code(starter):
    files = [p for p in starter.rglob("*") if p.is_file()]
    assert not [p for p in files if "reference" in p.relative_to(starter).as_posix()]
    reference_sources = {p.read_bytes() for p in REFERENCE_DIR.glob("*.py")}
    assert not [p for p in files if p.read_bytes() in reference_sources]
    solutions = set().union(*(function_bodies(p.read_text()) for p in REFERENCE_DIR.glob("*.py")))
    assert solutions, "the reference has functions to look for"
    for path in files:
        if path.suffix == ".py":
            leaked = function_bodies(path.read_text()) & solutions
            assert not leaked, f"{path} holds a reference function body"
        if path.suffix == ".ipynb":
            for cell in json.loads(path.read_text())["cells"]:
                if cell["cell_type"] == "code":
                    assert not function_bodies("".join(cell["source"]).replace("%", "#")) & solutions


def floats_in(value) -> set[float]:
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return set(value.ravel().tolist())
    if isinstance(value, float):
        return {value}
    if isinstance(value, (list, tuple)):
        return set().union(set(), *(floats_in(v) for v in value))
    if isinstance(value, dict):
        return set().union(set(), *(floats_in(v) for v in value.values()))
    return set()


def recorded_at(seed: int) -> Recording:
    recording = Recording(seed=seed)
    assert grade_with_inputs(REFERENCE_DIR, recording).score == 100
    return recording


def recorded_values(recording: Recording | PublicInputs) -> set[float]:
    return floats_in(recording.data["answers"]) | floats_in(recording.data["draws"])


SAME_VALUE_ULPS = 1 << 12  # rounding of seed-dependent intermediates moves a fixed answer by a few ulps


def ordered_bits(values) -> np.ndarray:
    """Floats as integers in the same order, one apart per representable step (ulp)."""
    bits = np.asarray(sorted(values), dtype=np.float64).view(np.int64)
    return np.where(bits < 0, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)), bits)


def secrets_of(hidden: set[float], others: list[set[float]]) -> set[float]:
    """The finite values of the hidden run that no other seed produced, even up to rounding.

    A value at a fixed input (an edge case, a margin of exactly -2000) is the same at every seed
    up to the last bits of the seed-dependent arithmetic around it: it is no secret. A value of
    the hidden run is a secret only when no other seed produced it within SAME_VALUE_ULPS. Whole
    numbers are counts and sizes (2n for n samples): few values, shared by chance, like the
    integer draws, which are not looked at either.
    """
    candidates = sorted(v for v in hidden if np.isfinite(v) and not float(v).is_integer())
    known = ordered_bits(v for other in others for v in other if np.isfinite(v))
    positions = ordered_bits(candidates)
    index = np.clip(np.searchsorted(known, positions), 1, len(known) - 1)
    nearest = np.minimum(np.abs(known[index] - positions), np.abs(known[index - 1] - positions))
    return {v for v, distance in zip(candidates, nearest) if distance > SAME_VALUE_ULPS}


def test_secrets_are_what_only_the_hidden_seed_produces():
    """A fixed answer reached through seed-dependent rounding is no secret; a drawn value is."""
    hidden = {2000.0, 1999.9999999999998, 0.0, float("inf"), 60.0, 0.123456789, -1421.243304304487}
    others = [{2000.0000000000005, 0.0, 3.5}, {2000.0, 0.5}]
    assert secrets_of(hidden, others) == {0.123456789, -1421.243304304487}


def test_release_holds_no_expected_value_of_hidden_inputs(starter):
    """The reference's answers and the inputs at a grading seed are nowhere in the release.

    Values that any seed produces (pi for a point on an axis, the answers at fixed edge cases)
    are not secrets: those are the ones other grading seeds produce too.
    """
    hidden = recorded_values(recorded_at(123456789))
    secrets = secrets_of(hidden, [recorded_values(recorded_at(seed)) for seed in (987654321, 20261127)])
    assert len(secrets) > 0.5 * len(hidden), "the hidden run's drawn inputs and answers are secrets"
    shipped = PublicInputs.from_frame((starter / ENGINE_DIR / "grader/public_expectations.grw").read_bytes())
    assert not secrets & recorded_values(shipped)
    texts = "".join(p.read_text(errors="ignore") for p in starter.rglob("*") if p.is_file())
    sample = sorted(secrets)[:: max(1, len(secrets) // 300)]
    assert not [v for v in sample if repr(v) in texts]


def test_release_ships_the_whole_grader(starter):
    """Every module of the grader is in the copy: the workflow must not lean on an installed grader."""
    project = {p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts}
    shipped_dir = starter / ENGINE_DIR / "grader"
    shipped = {p.relative_to(shipped_dir).as_posix() for p in shipped_dir.rglob("*") if p.is_file()}
    assert shipped == project | {"public_expectations.grw"}


def test_hidden_checks_stay_with_the_instructor(tmp_path):
    """A check marked hidden grades in the instructor's project and is nowhere in the release."""
    project = tmp_path / "course"
    shutil.copytree(PACKAGE_DIR, project / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("reference", "assignments", "templates"):
        shutil.copytree(PACKAGE_DIR.parent / folder, project / folder)
    shutil.copyfile(PACKAGE_DIR.parent / "pyproject.toml", project / "pyproject.toml")
    checks = project / "grader/exercises/ex05_mse_linear_regression.py"
    visible = '@check(part="d", points=1)\ndef steps_to_tolerance_edge_cases'
    assert visible in checks.read_text()
    checks.write_text(checks.read_text().replace(visible, visible.replace("points=1)", "points=1, hidden=True)")))
    env = {**os.environ, "PYTHONPATH": str(project)}
    env.pop("GRADER_REFERENCE_DIR", None)

    def grader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "grader", *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    graded = grader("grade", "reference", "--format", "classroom", cwd=project)
    assert graded.returncode == 0, graded.stderr
    names = [t["name"] for t in json.loads(graded.stdout.splitlines()[0])["tests"]]
    assert "ex05 (d) steps_to_tolerance_edge_cases" in names  # the instructor's grading runs it

    out = tmp_path / "starter"
    released = grader("release", str(out), cwd=project)
    assert released.returncode == 0, released.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert b"steps_to_tolerance_edge_cases" not in path.read_bytes(), path
    solved = solved_copy(out, tmp_path / "solved")
    env["PYTHONPATH"] = str(solved / ENGINE_DIR)
    public = grader("grade", ".", "--format", "classroom", cwd=solved)
    assert public.returncode == 0, public.stderr
    report = json.loads(public.stdout.splitlines()[0])
    assert report["max_score"] == 99 and sum(t["score"] for t in report["tests"]) == 99
    assert report["status"] == "pass"


def test_release_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "homework.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="not an empty folder"):
        write_release(tmp_path)
    assert (tmp_path / "homework.txt").read_text() == "mine"


def test_annotations_of_exercises_at_work_come_first(tmp_path):
    """GitHub shows only the first ten error annotations of a step: those of untouched exercises wait."""
    from grader.exporters.actions import annotations
    from grader.model import CheckResult, ExerciseResult
    from tests.helpers import result_of

    def exercise(id_: str, score: float) -> ExerciseResult:
        checks = [CheckResult(f"{id_}_{i}", "a", 0.0, 1.0, "failed", message=f"{id_} wrong") for i in range(6)]
        checks.append(CheckResult(f"{id_}_ok", "b", score, score, "passed"))
        return ExerciseResult(id_, id_, score, 10.0, "partial" if score else "failed", checks=checks)

    lines = annotations(result_of([exercise("ex01", 0.0), exercise("ex02", 4.0), exercise("ex03", 0.0)]), tmp_path)
    assert len(lines) == 18
    assert [line.split("title=")[1][:4] for line in lines[:6]] == ["ex02"] * 6
    assert lines[6].split("title=")[1].startswith("ex01")
