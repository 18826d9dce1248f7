"""Links: a submission is graded from the files it holds, never from where a link points.

A git repository keeps links, so a cloned student repository can hold ``assignments ->
../alice`` or a module linked to the reference. The grader reads a submission by opening every
path component relative to its parent's descriptor with ``O_NOFOLLOW``
(grader/submissions/tree.py): a link at any depth is reported and neither read nor copied into
the sandbox. These are attacks on the grader's own reading, so they hold in both modes.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from grader.batch import grade_class
from grader.course import EXERCISES, REFERENCE_DIR
from grader.progress import Progress
from grader.submissions import loading, tree
from tests.adversarial.test_escapes import solved_notebook


def classmate(tmp_path: Path, name: str = "alice") -> Path:
    """A classmate's solved folder (the reference's modules, under their own name)."""
    folder = tmp_path / name / "assignments"
    shutil.copytree(REFERENCE_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder.parent


def assert_graded_as_empty(result, link: str) -> None:
    assert result.score == 0, f"a submission of links scored {result.score}"
    assert all(e.status == "missing" for e in result.exercises), [(e.id, e.status) for e in result.exercises]
    assert link in result.problem and "link" in result.problem, result.problem


def test_a_linked_assignments_folder_is_graded_as_empty(isolation, grade, tmp_path):
    for target in (REFERENCE_DIR, classmate(tmp_path) / "assignments"):
        mine = tmp_path / f"mine-{len(list(tmp_path.iterdir()))}"
        mine.mkdir()
        (mine / "assignments").symlink_to(target, target_is_directory=True)
        assert_graded_as_empty(grade(mine, timeout=5.0), "assignments")


def test_a_relative_link_to_a_classmates_folder_is_graded_as_empty(isolation, grade, tmp_path):
    classmate(tmp_path, "alice")
    mine = tmp_path / "bob"
    mine.mkdir()
    (mine / "assignments").symlink_to("../alice/assignments")  # as a cloned repository keeps it
    assert_graded_as_empty(grade(mine, timeout=5.0), "assignments")


def test_a_linked_folder_holding_a_notebook_is_not_read(isolation, grade, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    solved_notebook(other / "exercises.ipynb")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "work").symlink_to(other, target_is_directory=True)
    assert_graded_as_empty(grade(mine, timeout=5.0), "work")


def test_a_linked_module_inside_assignments_is_missing(isolation, hostile, make_folder, tmp_path):
    folder = tmp_path / "nested"
    (folder / "assignments").mkdir(parents=True)
    for exercise in EXERCISES:
        shutil.copyfile(REFERENCE_DIR / f"{exercise.module}.py", folder / "assignments" / f"{exercise.module}.py")
    module = folder / "assignments" / "ex02_gradient_geometry.py"
    module.unlink()
    module.symlink_to(REFERENCE_DIR / "ex02_gradient_geometry.py")
    graded = hostile("", folder=folder, score=0.0, status="missing")
    assert "link" in graded.target.message, graded.target.message


# Exercise 2 imports its answers from a sibling folder that is a link to the reference: the
# folder must not be copied into the sandbox, so the import fails and the exercise earns nothing.
IMPORT_THROUGH_A_LINKED_FOLDER = """
import importlib.util, os
_path = os.path.join("helpers", "ex02_gradient_geometry.py")
_spec = importlib.util.spec_from_file_location("helpers_ex02", _path)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
grad_f, level_curve_tangent, steepest_descent_dir = (
    _module.grad_f, _module.level_curve_tangent, _module.steepest_descent_dir
)
"""


@pytest.mark.parametrize("depth", ["helpers", "deep/er/helpers"])
def test_a_linked_folder_at_any_depth_is_not_copied(isolation, hostile, make_folder, depth):
    folder = make_folder({"ex02": IMPORT_THROUGH_A_LINKED_FOLDER.replace('"helpers"', repr(depth))})
    link = folder / depth
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(REFERENCE_DIR, target_is_directory=True)
    graded = hostile("", folder=folder, score=0.0, status="error")
    assert "FileNotFoundError" in graded.target.message, graded.target.message
    assert any("link" in note and depth in note for note in graded.result.notes), graded.result.notes


def test_no_link_is_followed_at_any_depth(tmp_path):
    """The reader itself: links to files, folders, ancestors, loops and nowhere are listed, never read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("SECRET = 1\n")
    root = tmp_path / "submission"
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "a" / "b" / "c" / "mine.py").write_text("MINE = 1\n")
    links = {
        "to_file.py": outside / "secret.py",
        "a/to_folder": outside,
        "a/b/to_ancestor": root,
        "a/b/c/loop": "loop",
        "a/b/c/dangling": tmp_path / "nowhere",
        "a/b/c/relative_up": "../../../../outside",
    }
    for name, target in links.items():
        (root / name).symlink_to(target)
    read = tree.read(root)
    assert read.files == {"a/b/c/mine.py": b"MINE = 1\n"}
    assert sorted(read.links) == sorted(links)
    assert not any(b"SECRET" in data for data in read.files.values())


def test_a_submission_that_is_a_link_is_not_read(tmp_path):
    target = classmate(tmp_path)
    (tmp_path / "link").symlink_to(target, target_is_directory=True)
    submission = loading.load(tmp_path / "link")
    assert "link" in submission.problem
    assert all(code.kind == "missing" for code in submission.exercises.values())


def test_writing_the_copy_follows_no_link_left_in_the_scratch_folder(tmp_path):
    """A reused workspace may hold a link an earlier student planted: the copy replaces it, never writes through."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "ex02_gradient_geometry.py").write_text("untouched\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "ex02_gradient_geometry.py").symlink_to(victim / "ex02_gradient_geometry.py")
    (scratch / "sub").symlink_to(victim, target_is_directory=True)
    tree.write({"ex02_gradient_geometry.py": b"mine\n"}, scratch)
    assert (victim / "ex02_gradient_geometry.py").read_text() == "untouched\n"
    assert not (scratch / "ex02_gradient_geometry.py").is_symlink()
    assert (scratch / "ex02_gradient_geometry.py").read_bytes() == b"mine\n"
    with pytest.raises(OSError):
        tree.write({"sub/ex02_gradient_geometry.py": b"mine\n"}, scratch)
    assert (victim / "ex02_gradient_geometry.py").read_text() == "untouched\n"


def test_a_batch_does_not_grade_a_student_from_a_classmates_folder(isolation, tmp_path):
    """In a class folder, bob's repository links to alice's work: alice keeps her grade, bob gets nothing."""
    students = tmp_path / "class"
    students.mkdir()
    shutil.copytree(classmate(tmp_path), students / "alice")
    (students / "bob").mkdir()
    (students / "bob" / "assignments").symlink_to("../alice/assignments")
    (students / "carol").mkdir()
    shutil.copyfile(REFERENCE_DIR / "ex01_partial_derivatives.py", students / "carol" / "ex01_partial_derivatives.py")
    (students / "carol" / "ex02_gradient_geometry.py").symlink_to(
        students / "alice" / "assignments" / "ex02_gradient_geometry.py"
    )
    with open(os.devnull, "w") as quiet:
        result = grade_class(students, tmp_path / "out", jobs=2, progress=Progress(0, stream=quiet))
    scores = {o.student: o.result.score for o in result.students}
    assert scores["alice"] == 100
    assert scores["bob"] == 0
    carol = {e.id: e for e in next(o for o in result.students if o.student == "carol").result.exercises}
    assert carol["ex01"].score == 10 and carol["ex02"].score == 0
    assert carol["ex02"].status == "missing" and "link" in carol["ex02"].message


def test_an_entry_the_grader_may_not_read_is_named_as_such_not_as_a_link(tmp_path, monkeypatch):
    # Permissions are the instructor's to fix: the report says so instead of "links are not read".
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "ex01_partial_derivatives.py").write_text("x = 1\n")
    (folder / "private").mkdir()
    real_open = os.open

    def private_open(path, flags, mode=0o777, *, dir_fd=None):
        if dir_fd is not None and path in ("ex01_partial_derivatives.py", "private"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(tree.os, "open", private_open)
    files = tree.read(folder)
    assert files.links == [] and set(files.unread) == {"ex01_partial_derivatives.py", "private"}
    assert all("permission denied" in why for why in files.unread.values())
