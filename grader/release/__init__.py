"""Releasing the assignment: what students start from, and what grades it on each platform.

``targets`` writes a release for a platform (``grader release --for``); ``starter`` writes the
students' files every target shares (stubs, notebook, README, the grader without the reference
and the public checks' recording); ``actions``, ``classroom50`` and ``codio`` add each
platform's grading files, and ``runtime`` is what runs on Classroom 50 and Codio around the
grading; ``notebook`` generates the student notebook from the stubs.
"""

TARGETS = ("actions", "classroom50", "codio")  # `grader release --for`: the first is the default
