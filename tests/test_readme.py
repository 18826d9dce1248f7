"""README.md's "How it is built" table is the map of grader/: every module is on it, nothing else is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table_paths() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## How it is built", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


def modules() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "grader").rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def test_the_module_table_lists_every_module_of_grader():
    listed = {match.relative_to(ROOT).as_posix() for p in table_paths() for match in ROOT.glob(p) if match.is_file()}
    assert sorted(modules() - listed) == []


def test_every_path_in_the_module_table_exists():
    paths = table_paths()
    assert len(paths) > 20, "the table was found"
    assert [p for p in paths if not any(ROOT.glob(p))] == []
