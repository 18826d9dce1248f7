"""Results in the formats other platforms read: one module per platform.

- ``actions``: GitHub Actions annotations on the learner's functions, the run's summary and step outputs.
- ``classroom50``: Classroom 50's result.json (schema classroom50/result/v1) and release body.
- ``codio``: the percentage and Markdown feedback Codio's grading URLs take, and sending them.
- ``classroom``: the retired GitHub Classroom's grading-reporter JSON (legacy, kept for old workflows).
- ``feedback``: the plain-text feedback on a check that the other formats share.
- ``junit``: JUnit XML for GitLab, Jenkins and GitHub test reporters, one test suite per exercise.
- ``gradescope``: Gradescope's autograder results.json, and the autograder zip that produces it.
- ``canvas``: a graded class as the CSV Canvas's gradebook import accepts.
"""
