"""Releasing the assignment: what students start from, and what grades it on each platform.

``starter`` writes the students' files (stubs, notebook, README, the grader without the
reference and the public checks' recording) and dispatches to a target: ``actions`` (a plain
GitHub Actions workflow); ``notebook`` generates the student notebook from the stubs.
"""

TARGETS = ("actions",)  # `grader release --for`: the first is the default
