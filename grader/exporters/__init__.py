"""Results in the formats other platforms read: one module per platform.

- ``classroom``: GitHub Classroom's grading-reporter JSON, for partial credit from one workflow step.
- ``feedback``: the plain-text feedback on a check that the other formats share.
- ``junit``: JUnit XML for GitLab, Jenkins and GitHub test reporters, one test suite per exercise.
- ``gradescope``: Gradescope's autograder results.json, and the autograder zip that produces it.
- ``canvas``: a graded class as the CSV Canvas's gradebook import accepts.
"""
