"""Words the reports, the terminal and the exporters share."""

# One name per status, in the terminal, the HTML report and the dashboard alike.
STATUS_LABELS = {
    "passed": "passed",
    "partial": "partly right",
    "failed": "not right yet",
    "error": "error",
    "timeout": "timed out",
    "missing": "missing",
    "grader error": "grader error",
}

RUN_KINDS = {
    "hidden": "Grading: the instructor's checks against the reference solutions, at hidden inputs derived from "
    "this submission.",
    "public": "Public checks, not the grade: the same checks at fixed public inputs, against expected values "
    "shipped with the assignment. The grade comes from the instructor's run at hidden inputs.",
}

# Before each failed statement of a notebook's setup cells (reported once, not on every exercise).
SETUP_ERROR_LEAD = "A setup cell's statement failed (the rest of the cell ran):"
