"""Releasing the assignment: what students start from.

``starter`` writes the students' starter repository (stubs, notebook, the grader without the
reference, the public checks' recording and the CI workflow); ``notebook`` generates the student
notebook from the stubs.
"""
