"""Words the reports, the terminal and the exporters share."""

RUN_KINDS = {
    "hidden": "Grading: the instructor's checks against the reference solutions, at hidden inputs derived from "
    "this submission.",
    "public": "Public checks, not the grade: the same checks at fixed public inputs, against expected values "
    "shipped with the assignment. The grade comes from the instructor's run at hidden inputs.",
}
