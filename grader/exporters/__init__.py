"""Results in the formats other platforms read: one module per platform.

- ``junit``: JUnit XML for GitLab, Jenkins and GitHub test reporters, one test suite per exercise.
- ``gradescope``: Gradescope's autograder results.json, and the autograder zip that produces it.
- ``canvas``: a graded class as the CSV Canvas's gradebook import accepts.
"""
