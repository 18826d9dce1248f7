"""Releasing the assignment: what students start from, and what grades it on each platform.

``targets`` writes a release for a platform (``grader release --for``); ``starter`` writes the
students' files every target shares (stubs, notebook, README, the grader without the reference
and the public checks' recording); ``actions`` adds a plain GitHub Actions workflow;
``notebook`` generates the student notebook from the stubs.
"""

TARGETS = ("actions",)  # `grader release --for`: the first is the default
