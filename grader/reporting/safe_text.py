"""Text a learner controls (student ids, file names, exception names and messages), made safe
where it leaves the grader: a spreadsheet cell never starts a formula, and a terminal never
obeys an escape sequence, a carriage return or a bidirectional override hidden in it.
"""

from __future__ import annotations

import re

# OWASP's list for CSV injection: a cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 and C1 controls but newline and tab, DEL, and the bidirectional marks and overrides.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_AND_LINES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def spreadsheet_cell(text: str) -> str:
    """The cell shown as text by a spreadsheet: a leading ``'`` where it would start a formula,
    and control characters written out (a carriage return would split the row)."""
    return terminal_text("'" + text if text.startswith(FORMULA_STARTS) else text, one_line=True)


def terminal_text(text: str, one_line: bool = False) -> str:
    """``text`` with every control character written out (``\\x1b``, ``\\r``, ``\\u202e``), not obeyed.

    Newlines and tabs are kept, unless ``one_line`` (a name or an id, which must not forge lines).
    """
    pattern = _CONTROLS_AND_LINES if one_line else _CONTROLS
    return pattern.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
