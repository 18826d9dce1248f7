"""Gradescope: a graded submission as the autograder's results.json, and the autograder zip.

``to_gradescope`` follows https://gradescope-autograders.readthedocs.io/en/latest/specs/: the total
``score`` (the result's score), a markdown summary as ``output``, and one test per check, numbered
"N.M" with N the exercise's number and M the check's position in it from 1 ("3.2": ex03's second
check). An exercise without checks gets a single test "N.0" carrying its message and its
max_score, so the tests' scores add up to the total and their max_scores to the result's
max_score. Test outputs are plain text: the diagnosis and full message of each check that did not
pass. Feedback-only checks (0 points) are tests worth 0 points.

``build_autograder_zip`` writes the zip Gradescope's autograder settings take: ``setup.sh`` (run
once, as root, on Gradescope's Ubuntu image), ``run_autograder`` (run per submission) and the
project files the grader needs, all at the root. The grader is not pip-installed there: it runs as
``python3 -m grader`` from /autograder/source, where templates/, assignments/ and reference/ sit
beside the package as ``grader.course`` expects.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

from grader.course import EXERCISES, PROJECT_DIR, engine_files
from grader.exporters.feedback import feedback_text, summary_markdown
from grader.files import write_atomically
from grader.model import CheckResult, CheckStatus, ExerciseResult, ExerciseStatus, GradeResult

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same project always gives the same zip


def to_gradescope(result: GradeResult) -> dict:
    """``result`` as the dictionary Gradescope reads from /autograder/results/results.json."""
    numbers = {e.id: e.number for e in EXERCISES}
    tests = []
    for exercise in result.exercises:
        n = numbers.get(exercise.id) or int(re.sub(r"\D", "", exercise.id) or 0)
        if not exercise.checks:
            tests.append(_exercise_test(exercise, n))
        tests += [_check_test(exercise, check, f"{n}.{i}") for i, check in enumerate(exercise.checks, start=1)]
    return {
        "score": float(result.score),
        "execution_time": int(round(result.duration_s)),
        "output": summary_markdown(result),
        "output_format": "md",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "max_score": float(result.max_score),
            "seed": result.seed,
            "inputs": result.inputs,
            "isolation": result.isolation,
            "command": result.command,
            "grader_errors": result.grader_errors,  # checks whose points are undecided, with the grader's fault
        },
        "tests": tests,
    }


def _check_test(exercise: ExerciseResult, check: CheckResult, test_number: str) -> dict:
    name = f"{exercise.id} ({check.part}) {check.name}" + (f": {check.description}" if check.description else "")
    passed = check.status == CheckStatus.PASSED
    return {
        "name": f"{name} [feedback only, no points]" if check.feedback_only else name,
        "number": test_number,
        "score": float(check.score),
        "max_score": float(check.max_score),
        "status": "passed" if passed else "failed",
        "output": (check.message if check.inherits else "Passed.") if passed else feedback_text(check, exercise),
        "output_format": "text",
        "visibility": "visible",
    }


def _exercise_test(exercise: ExerciseResult, n: int) -> dict:
    return {
        "name": f"{exercise.id} {exercise.title}",
        "number": f"{n}.0",
        "score": float(exercise.score),
        "max_score": float(exercise.max_score),
        "status": "passed" if exercise.status == ExerciseStatus.PASSED else "failed",
        "output": exercise.message or f"{exercise.id}: {exercise.status}, and no check ran.",
        "output_format": "text",
        "visibility": "visible",
    }


def write_gradescope_results(result: GradeResult, path: Path) -> None:
    """Write ``to_gradescope(result)`` as JSON to ``path``, atomically (never a half-written file)."""
    write_atomically(path, json.dumps(to_gradescope(result), indent=2, allow_nan=False) + "\n")


SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image. Choose an Ubuntu 22.04
# or later base image: the grader needs Python 3.10+. The grader is not pip-installed: run_autograder
# runs it from /autograder/source, where templates/, assignments/ and reference/ sit beside it.
set -euo pipefail
SOURCE=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y python3 python3-pip python3-venv
# bubblewrap isolates learner code in namespaces; without it (or without user namespaces in the
# container) the grader falls back to a plain child process with resource limits.
apt-get install -y bubblewrap || echo "setup.sh: bubblewrap not installed; the grader will use its process fallback"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "setup.sh: the grader needs Python 3.10 or later; choose an Ubuntu 22.04 or later base image" >&2
    exit 1
}
# Only the grader's dependencies (pyproject.toml's, copied into requirements.txt).
python3 -m pip install -r "$SOURCE/requirements.txt" ||
    python3 -m pip install --break-system-packages -r "$SOURCE/requirements.txt"
# Learner code runs as this unprivileged user (the grader runs as root): it may not read the
# grader, the reference or the results, nor signal the grader.
id -u grader-worker >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin grader-worker
chmod -R go-rwx "$SOURCE"
mkdir -p /autograder/results && chmod 700 /autograder/results
(cd "$SOURCE" && python3 -m grader doctor) || true
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission: grade $ROOT/submission with the grader bundled in
# $ROOT/source and write $ROOT/results/results.json. Exit status 3 is a finished grading with some
# checks undecided (the grader failed on them): its results.json stands, saying so. If the grader
# itself fails, a results.json with score 0 and the grader's output is written instead, so the
# student sees what happened.
set -u
ROOT=${AUTOGRADER_ROOT:-/autograder}
PYTHON=${PYTHON:-python3}
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
LOG=$(mktemp)
if cd "$ROOT/source"; then
    # The usual summary goes to stdout, which Gradescope shows to instructors only.
    "$PYTHON" -m grader grade "$ROOT/submission" --gradescope "$RESULTS" 2>&1 | tee "$LOG"
    status=${PIPESTATUS[0]}
else
    echo "run_autograder: no folder $ROOT/source" | tee "$LOG"
    status=1
fi
graded() { "$PYTHON" -c 'import json, sys; json.load(open(sys.argv[1]))' "$RESULTS" 2>/dev/null; }
if { [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; } || ! graded; then
    "$PYTHON" - "$RESULTS" "$LOG" "$status" <<'PY' ||
import json
import sys

results, log, status = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(log, encoding="utf-8", errors="replace") as file:
    output = file.read()[-20000:]
message = (
    f"The autograder failed before it could grade this submission (exit status {status}), so the score "
    "is 0 for now: please tell your instructor. What the grader printed:\\n\\n" + output
)
with open(results, "w", encoding="utf-8") as file:
    json.dump({"score": 0.0, "output": message, "output_format": "text", "tests": [],
               "extra_data": {"grader_failed": True, "exit_status": status}}, file, indent=2)
PY
        printf '{"score": 0.0, "output": "%s", "output_format": "text", "tests": []}\\n' \\
            "The autograder failed before it could grade this submission: please tell your instructor." >"$RESULTS"
fi
rm -f "$LOG"
exit 0
"""


def build_autograder_zip(out_zip: Path) -> Path:
    """Write Gradescope's autograder zip to ``out_zip`` (atomically) and return its path."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in autograder_files():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 3  # Unix: unzip then applies the modes below
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    write_atomically(Path(out_zip), buffer.getvalue())
    return Path(out_zip)


def autograder_files() -> list[tuple[str, bytes, int]]:
    """The zip's entries: (path in the zip, content, mode), in a stable order.

    The scripts, requirements.txt, and the files that run the grader elsewhere, reference included
    (``grader.course.engine_files``: pyproject.toml, the package without __pycache__, templates,
    assignments, reference): students never see an autograder's files.
    """
    requirements = "".join(f"{requirement}\n" for requirement in project_dependencies())
    files = [
        ("setup.sh", SETUP_SH.encode(), 0o755),
        ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
        ("requirements.txt", requirements.encode(), 0o644),
    ]
    files += [(name, path.read_bytes(), 0o644) for name, path in engine_files(with_reference=True)]
    return files


def project_dependencies() -> list[str]:
    """The ``[project] dependencies`` of pyproject.toml (without tomllib on Python 3.10)."""
    text = (PROJECT_DIR / "pyproject.toml").read_text()
    try:
        import tomllib
    except ModuleNotFoundError:
        block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.DOTALL | re.MULTILINE)
        return re.findall(r"""["']([^"']+)["']""", block.group(1)) if block else []
    return list(tomllib.loads(text)["project"]["dependencies"])
