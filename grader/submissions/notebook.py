"""Reading a student notebook without a kernel: which cells are setup, which belong to which exercise.

The layout is the exercises notebook's (see the contract): code cells before the first
exercise are setup; a learner cell is tagged ``exercise-N`` or starts with the comment lines
``# Your Solution`` / ``# Exercise N - learner workspace``; plain code cells right after a
learner cell continue it; ``# Solution`` cells are the instructor's and are never graded.
IPython magics and shell escapes cannot run without IPython: they are removed and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TAG = re.compile(r"^exercise-(\d{1,4})$")
WORKSPACE = re.compile(r"^#\s*Exercise\s+(\d{1,4})\b", re.IGNORECASE)
MAX_CELL_CHARS = 2_000_000  # a learner cell larger than this is not graded
BODY_RUNNING_CELL_MAGICS = ("%%time", "%%capture")  # cell magics that run the cell as Python, in its namespace
ASSIGNED_NAME = re.compile(r"(\w+)[ \t]*(?::[^=\n]*)?=(?!=)")  # "x = ...", "x: float = ...": linear in the line
NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's line ends; str.splitlines() has eight more


class NotebookError(Exception):
    """The file is not a notebook we can read; the message is for the student."""


@dataclass
class Cell:
    label: str  # "cell 5": the cell's position, 1-based, as Jupyter users count them
    code: str
    setup: bool = False  # a setup cell: it runs before every exercise, its problems are reported once
    not_run: str = ""  # why none of it runs (a cell magic that skips the whole cell), as the notes say it


@dataclass
class ParsedNotebook:
    setup: list[Cell] = field(default_factory=list)
    exercises: dict[int, list[Cell]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # magics, shell escapes, ignored cells
    unassigned: list[Cell] = field(default_factory=list)  # code cells after the first exercise that belong to none
    solution_cells: dict[int, list[str]] = field(default_factory=dict)  # tagged exercise-N, headed # Solution


def read(text: str) -> ParsedNotebook:
    """Split a notebook's code cells into setup and exercises, or raise NotebookError."""
    import nbformat  # only notebook submissions pay for its import

    try:
        # Read and converted to version 4, not validated against the schema: every field used
        # here is checked as it is read, and the schema's first use costs a process 40 ms.
        notebook = nbformat.convert(nbformat.reader.reads(text), 4)
    except Exception as exc:  # nbformat raises many types for broken files
        raise NotebookError(
            f"this file is not a readable Jupyter notebook ({type(exc).__name__}: {str(exc)[:200]})"
        ) from None
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("this notebook has no list of cells")
    parsed = ParsedNotebook()
    current = None  # the exercise the previous learner cell belonged to
    seen_exercise = False
    for position, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") != "code":
            current = None  # a markdown cell ends a learner's run of cells
            continue
        source = _source(cell)
        label = f"cell {position}"
        if len(source) > MAX_CELL_CHARS:
            parsed.skipped.append(
                f"{label}: {len(source):,} characters, over the {MAX_CELL_CHARS:,} a cell may have; not run"
            )
            continue
        number = exercise_number(cell, source)
        if is_reference_solution(source):
            current = None
            if number is not None:  # the contract wins over the tag: a reference cell is never graded
                parsed.solution_cells.setdefault(number, []).append(label)
            continue
        if number is not None:
            current = number
            seen_exercise = True
        elif current is None:
            if seen_exercise:
                if source.strip():
                    parsed.skipped.append(f"{label}: not part of any exercise, not graded")
                    parsed.unassigned.append(Cell(label, source))
                continue
            parsed.setup.append(_code_cell(label, source, parsed.skipped, setup=True))
            continue
        parsed.exercises.setdefault(current, []).append(_code_cell(label, source, parsed.skipped))
    return parsed


def defined_names(code: str) -> set[str]:
    """The names a cell's top-level lines define (def, class, assignment, import): a scan, not a parse.

    Line by line, with string methods and one anchored pattern: its time grows with the cell's
    length only, whatever the learner wrote.
    """
    names = set()
    for line in NEWLINE.split(code):
        words = line.split() if line and not line[0].isspace() else []
        if not words:
            continue
        if words[0] in ("def", "class") and len(words) > 1:
            names.add(re.match(r"\w*", words[1]).group())
        elif words[0] == "import":
            for item in line[len("import") :].split("#")[0].split(","):
                parts = item.split()
                names.add(
                    parts[-1] if len(parts) == 3 and parts[1] == "as" else parts[0].split(".")[0] if parts else ""
                )
        elif words[0] == "from" and "import" in words:
            imported = line.split(" import ", 1)[-1].split("#")[0].strip(" \t()\\")
            names.update(item.split()[-1] for item in imported.split(",") if item.split())
        elif match := ASSIGNED_NAME.match(line):
            names.add(match.group(1))
    names.discard("")
    return names


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(s) for s in source)
    return str(source)


def exercise_number(cell: dict, source: str) -> int | None:
    """The exercise a learner cell belongs to, by tag or by the workspace header."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    for tag in tags if isinstance(tags, list) else []:
        match = TAG.match(str(tag))
        if match:
            return int(match.group(1))
    comments = [line.strip() for line in source.splitlines() if line.strip()][:2]
    if len(comments) == 2 and re.match(r"^#\s*Your Solution\s*$", comments[0], re.IGNORECASE):
        match = WORKSPACE.match(comments[1])
        if match:
            return int(match.group(1))
    return None


def is_reference_solution(source: str) -> bool:
    """Headed `# Solution`, as the course's reference cells are (`# Solution (reference)`, `# Solution -
    Exercise 2` too); a first comment where a word follows (`# Solution attempt, by me`) heads a learner's work."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return re.match(r"^#\s*Solution\b(?!\s*[^\W\d_])", first, re.IGNORECASE) is not None


def _code_cell(label: str, source: str, skipped: list[str], setup: bool = False) -> Cell:
    """A cell to run, its magics stripped (and noted in ``skipped``)."""
    code = strip_magics(source, label, skipped)
    return Cell(label, code, setup, not_run=skipped[-1] if source and not code else "")  # only a cell magic empties it


def strip_magics(source: str, label: str, skipped: list[str]) -> str:
    """Replace IPython magics and shell escapes by ``pass``, noting each one in ``skipped``.

    Only a line that starts a statement can be a magic, as in IPython: a line inside brackets, a
    triple-quoted string or after a backslash is the statement's own, whatever it starts with.
    Lines end at \\n, \\r\\n or \\r only, as Python's do (not at form feeds or U+2028).
    """
    lines = NEWLINE.split(source)
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].strip()[:60]
        if magic.split()[0] not in BODY_RUNNING_CELL_MAGICS:
            skipped.append(f"{label}: cell magic {magic!r} skipped (the whole cell)")
            return ""
        skipped.append(f"{label}: cell magic {magic!r} skipped; the cell's code runs (as it does in Jupyter)")
        lines[0] = ""  # the line numbers of errors stay the notebook's
    candidates = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#") and _is_magic(line)]
    contexts = _line_contexts(lines) if candidates else []  # the scan only when a line may be a magic
    for i in candidates:
        starts_statement, ends_in_code = contexts[i]
        if starts_statement and _is_magic(lines[i], ends_in_code):
            skipped.append(f"{label}: {lines[i].strip()[:60]!r} skipped (IPython magic or shell command)")
            body = lines[i].lstrip()
            lines[i] = f"{lines[i][: len(lines[i]) - len(body)]}pass"
    return "\n".join(lines)


_CODE_MARK = re.compile(r"""[#()\[\]{}'"\\]""")  # what can open or close a bracket, string or comment
_STRING_MARK = re.compile(r"""['"\\]""")  # what can end a string


def _line_contexts(lines: list[str]) -> list[tuple[bool, bool]]:
    """For each line: whether it starts a statement (inside no bracket, string or backslash
    continuation), and whether it ends outside any string (so that a trailing ``?`` is IPython's).

    A scan of quotes, brackets and comments, not a parse: the learner's text is never compiled in
    the grader's process.
    """
    contexts, depth, string, continued = [], 0, "", False
    for line in lines:
        starts = depth == 0 and not string and not continued
        continued, i = False, 0
        while found := (_STRING_MARK if string else _CODE_MARK).search(line, i):
            i, char = found.start(), found.group()
            if string and char == "\\":
                i += 2  # an escaped character, the quote included
            elif string:
                closes = line.startswith(string, i)
                i, string = (i + len(string), "") if closes else (i + 1, string)
            elif char == "#":
                break
            elif char in "'\"":
                string = line[i : i + 3] if line[i : i + 3] in ("'''", '"""') else char
                i += len(string)
            else:
                depth = depth + 1 if char in "([{" else max(0, depth - 1) if char in ")]}" else depth
                continued = char == "\\" and i == len(line) - 1
                i += 1
        contexts.append((starts, not string))
        if string in ("'", '"') and not line.endswith("\\"):
            string = ""  # a one-line string ends with its line (unterminated, Python will say so)
    return contexts


def _is_magic(line: str, ends_in_code: bool = True) -> bool:
    stripped = line.strip()
    if stripped.startswith(("%", "!")):
        return not stripped.startswith("!=")
    if stripped.endswith("?") and "#" not in stripped:
        return ends_in_code  # not the end of a string the line opens: '"""Is x positive?'
    assigned = re.match(r"^[\w\s,]+=\s*([!%])", stripped)
    return assigned is not None
