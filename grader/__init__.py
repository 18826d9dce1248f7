"""An isolated, explaining grader for the partial derivatives and gradients exercises.

Python API: ``grade_submission(path, out_dir=..., seed=..., limits=Limits(...))``.
"""

__version__ = "0.1.0"


def grade_submission(*args, **kwargs):
    """Grade one submission; see ``grader.grade.grade_submission``."""
    from grader.grade import grade_submission as grade

    return grade(*args, **kwargs)
