"""Replay: copying the expected values a report reveals into the submission earns nothing.

A report shows, for each failed check, the input and the expected value of its first failing
case. The hidden inputs are seeded from a hash of every file of the submission (not only the
modules), so a table of expected values written into the submission changes the seed, and with
it every input: the table answers questions that are no longer asked.
"""

from __future__ import annotations

import functools
import hashlib
import json

import numpy as np

from grader.checking.inputs import HiddenInputs
from grader.course import REFERENCE_DIR
from grader.submissions import loading

# steps_to_tolerance answers from a table the student fills between submissions (an integer
# answer is exact, so a copied value is right wherever the same input comes back).
KEY = """
def _key(losses, loss_star, tol=1e-4):
    data = np.asarray(losses, dtype=float).tobytes() + np.float64(loss_star).tobytes() + np.float64(tol).tobytes()
    return hashlib.sha256(data).hexdigest()
"""
REPLAY = (
    "\nimport hashlib, json, pathlib\n"
    + KEY
    + """
_TABLE = json.loads(pathlib.Path("answers.json").read_text())


def steps_to_tolerance(losses, loss_star, tol=1e-4):
    return _TABLE.get(_key(losses, loss_star, tol), -1)
"""
)
_namespace = {"np": np, "hashlib": hashlib}
exec(KEY, _namespace)
key = _namespace["_key"]


def steps_points(result) -> float:
    ex05 = next(e for e in result.exercises if e.id == "ex05")
    checks = [c for c in ex05.checks if c.name.startswith("steps_to_tolerance")]
    assert checks, [c.name for c in ex05.checks]
    return sum(c.score for c in checks)


def test_a_table_of_expected_values_in_the_submission_earns_nothing(isolation, make_folder, grade, monkeypatch):
    reference = (REFERENCE_DIR / "ex05_mse_linear_regression.py").read_text()
    folder = make_folder({"ex05": reference + REPLAY})
    (folder / "answers.json").write_text("{}")

    # The strongest replay: every expected value of steps_to_tolerance at every input of the
    # first grading (a report reveals one per failed check), spied from the reference.
    table = {}
    reference_of = HiddenInputs.reference

    def spied(self, exercise):
        module = reference_of(self, exercise)
        if exercise.id == "ex05":
            real = module.steps_to_tolerance

            @functools.wraps(real)
            def recorded(*args):
                answer = real(*args)
                table[key(*args)] = int(answer)
                return answer

            monkeypatch.setattr(module, "steps_to_tolerance", recorded)  # the reference module is shared: undo after
        return module

    monkeypatch.setattr(HiddenInputs, "reference", spied)
    first = grade(folder, timeout=5.0)
    assert steps_points(first) == 0 and table

    (folder / "answers.json").write_text(json.dumps(table))
    replayed = grade(folder, timeout=5.0)
    assert replayed.seed != first.seed, "a file the code reads changed, but the inputs did not"
    assert steps_points(replayed) == 0, "the replayed table earned points"
    # The table is right at the first grading's inputs: with that seed it would have scored.
    assert steps_points(grade(folder, timeout=5.0, seed=first.seed)) > 0


def test_every_file_of_the_submission_moves_the_seed(make_folder):
    folder = make_folder({})
    seeds = {loading.load(folder).fingerprint}
    for name, content in (
        ("answers.json", "{}"),
        ("answers.json", "{ }"),
        ("data/deep/table.txt", "1"),
        (".hidden", "1"),
        ("notes.ipynb", "{}"),
    ):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        seeds.add(loading.load(folder).fingerprint)
    (folder / "link").symlink_to(folder / "answers.json")
    seeds.add(loading.load(folder).fingerprint)
    assert len(seeds) == 7, "a change to the submission kept its fingerprint"
    assert loading.load(folder).fingerprint == loading.load(folder).fingerprint
