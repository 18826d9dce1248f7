"""The students' starter repository: what GitHub Classroom runs in it, and what it must not hold.

The workflow's commands are run as GitHub Actions would run them, in fresh copies of the
release, with the grader copy the release ships (``.autograder``), not the instructor's.
"""

from __future__ import annotations

import ast
import base64
import json
import os
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
from grader.release.starter import ENGINE_DIR, WORKFLOW, ReleaseError, write_release

TYPICAL = Path(__file__).parent.parent / "examples" / "typical_mistakes"


@pytest.fixture(scope="module", params=["one", "per-exercise"])
def release(request, tmp_path_factory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp(f"release-{request.param}") / "starter"
    write_release(out, steps=request.param)
    return request.param, out


@pytest.fixture(scope="module")
def one_step_release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "starter"
    write_release(out)
    return out


def workflow(out: Path) -> dict:
    return yaml.safe_load((out / WORKFLOW).read_text())


def grading_steps(flow: dict) -> list[dict]:
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    return [s for s in steps if "id" in s]


# ------------------------------------------------------------------ the workflow's shape


def test_workflow_has_the_shape_classroom_generates(release):
    kind, out = release
    flow = workflow(out)
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = flow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest"
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    graders = grading_steps(flow)
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert reporter["env"] == {
        f"{s['id'].upper()}_RESULTS": f"${{{{steps.{s['id']}.outputs.result}}}}" for s in graders
    }
    if kind == "per-exercise":
        assert [s["id"] for s in graders] == [e.id for e in EXERCISES]
        for step, exercise in zip(graders, EXERCISES):
            assert step["uses"] == "classroom-resources/autograding-command-grader@v1"
            assert set(step["with"]) == {"test-name", "setup-command", "command", "timeout", "max-score"}
            assert step["with"]["max-score"] == 10
            assert step["with"]["command"] == f"grader check {exercise.id}"
            assert step["with"]["setup-command"] == "pip install -r requirements.txt"
            assert step["with"]["test-name"].startswith(exercise.id)
    else:
        (step,) = graders
        assert "grader grade . --format classroom" in step["run"]
        assert "pip install -r requirements.txt" in step["run"]


def test_student_readme_says_how_the_score_is_made(release):
    kind, out = release
    readme = (out / "README.md").read_text()
    assert "grader check" in readme and "hidden" in readme
    assert ("all or nothing" in readme) and (("partial credit" in readme) == (kind == "one"))
    assert (out / "requirements.txt").read_text().strip().endswith(f"-e ./{ENGINE_DIR}")


# ------------------------------------------------------------------ running the workflow's commands


def solved_copy(out: Path, target: Path) -> Path:
    shutil.copytree(out, target)
    for exercise in EXERCISES:
        shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", target / f"{exercise.module}.py")
    return target


def run_step(command: str, repository: Path, tmp_path: Path) -> tuple[int, str, Path]:
    """Run a step's command in ``repository`` as Actions would, with the release's own grader."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "grader"  # what `pip install -r requirements.txt` puts on PATH, without installing
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m grader "$@"\n')
    shim.chmod(0o755)
    github_output = tmp_path / f"github_output_{repository.name}"
    github_output.write_text("")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(repository / ENGINE_DIR),
        "GITHUB_OUTPUT": str(github_output),
        "CI": "true",
    }
    env.pop("GRADER_REFERENCE_DIR", None)
    done = subprocess.run(
        command,
        shell=True,
        cwd=repository,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout + done.stderr, github_output


def decoded_result(github_output: Path) -> dict:
    lines = [line for line in github_output.read_text().splitlines() if line.startswith("result=")]
    assert len(lines) == 1, github_output.read_text()
    return json.loads(base64.b64decode(lines[0].removeprefix("result=")))


def test_one_step_workflow_reports_partial_credit(one_step_release, tmp_path):
    (step,) = grading_steps(workflow(one_step_release))
    command = step["run"].strip().splitlines()[-1]
    solved = solved_copy(one_step_release, tmp_path / "solved")
    unsolved = shutil.copytree(one_step_release, tmp_path / "unsolved")
    partly = shutil.copytree(one_step_release, tmp_path / "partly")
    shutil.copyfile(REFERENCE_DIR / "ex02_gradient_geometry.py", partly / "ex02_gradient_geometry.py")
    shutil.copyfile(TYPICAL / "ex03_directional_derivatives.py", partly / "ex03_directional_derivatives.py")
    partial = grade_submission(partly, public=True).score  # the instructor's grader, public inputs
    assert 10 < partial < 20  # ex02 right, ex03 partly: credit per check, not per exercise

    expected_totals = {solved: 100.0, unsolved: 0.0, partly: partial}
    for repository, total in expected_totals.items():
        code, output, github_output = run_step(command, repository, tmp_path)
        assert code == 0, output
        result = decoded_result(github_output)
        assert result["version"] == 1 and result["max_score"] == 100
        assert sum(t["score"] for t in result["tests"]) == pytest.approx(total)
        assert result["status"] == ("pass" if total == 100 else "fail")
        assert "Public checks, not the grade" in output  # the log says which run this was
        printed = json.loads(output.splitlines()[0])  # stdout: the same JSON, on one line
        assert printed == result


def test_per_exercise_steps_pass_only_finished_exercises(tmp_path_factory, tmp_path):
    out = tmp_path_factory.mktemp("per-exercise") / "starter"
    write_release(out, steps="per-exercise")
    solved = solved_copy(out, tmp_path / "solved")
    unsolved = shutil.copytree(out, tmp_path / "unsolved")
    for step in grading_steps(workflow(out)):
        command = step["with"]["command"]
        assert run_step(command, solved, tmp_path)[0] == 0, command
        code, output, _ = run_step(command, unsolved, tmp_path)
        assert code == 1, output
        assert "not implemented yet" in output


def test_a_notebook_answer_in_the_starter_repository_is_graded(one_step_release, tmp_path):
    import nbformat

    repository = shutil.copytree(one_step_release, tmp_path / "notebook-worker")
    notebook = nbformat.read(repository / "exercises.ipynb", as_version=4)
    cell = next(c for c in notebook.cells if "exercise-2" in c.metadata.get("tags", []))
    cell.source = (REFERENCE_DIR / "ex02_gradient_geometry.py").read_text()
    nbformat.write(notebook, repository / "exercises.ipynb")
    code, output, github_output = run_step("grader grade . --format classroom", repository, tmp_path)
    assert code == 0, output
    scores = [t["score"] for t in decoded_result(github_output)["tests"] if t["name"].startswith("ex02")]
    assert sum(scores) == 10


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


def test_release_holds_no_reference_code(one_step_release):
    files = [p for p in one_step_release.rglob("*") if p.is_file()]
    assert not [p for p in files if "reference" in p.relative_to(one_step_release).as_posix()]
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


def test_release_holds_no_expected_value_of_hidden_inputs(one_step_release):
    """The reference's answers and the inputs at a grading seed are nowhere in the release.

    Values that any seed produces (pi for a point on an axis, the answers at fixed edge cases)
    are not secrets: those are the ones other grading seeds produce too.
    """
    hidden = recorded_values(recorded_at(123456789))
    secrets = secrets_of(hidden, [recorded_values(recorded_at(seed)) for seed in (987654321, 20261127)])
    assert len(secrets) > 0.5 * len(hidden), "the hidden run's drawn inputs and answers are secrets"
    shipped = PublicInputs.from_frame((one_step_release / ENGINE_DIR / "grader/public_expectations.grw").read_bytes())
    assert not secrets & recorded_values(shipped)
    texts = "".join(p.read_text(errors="ignore") for p in one_step_release.rglob("*") if p.is_file())
    sample = sorted(secrets)[:: max(1, len(secrets) // 300)]
    assert not [v for v in sample if repr(v) in texts]


def test_release_ships_the_whole_grader(one_step_release):
    """Every module of the grader is in the copy: the workflow must not lean on an installed grader."""
    project = {p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts}
    shipped_dir = one_step_release / ENGINE_DIR / "grader"
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
