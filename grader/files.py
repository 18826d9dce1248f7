"""Writing the grader's outputs: every file whole or not at all, every file name as text they can hold."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomically(path: Path, content: str | bytes | Iterable[str]) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` whole or not at all, creating its folder.

    Text given as pieces (a template's output as it is made) is written piece by piece, so that
    a large page is never whole in memory.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide reports from a web server or a TA
        with os.fdopen(fd, "wb") as file:
            pieces = [content] if isinstance(content, (str, bytes)) else content
            for piece in pieces:
                # A name's bytes that are not UTF-8 (a link named in Latin-1 inside a submission) are
                # written as \udcXX escapes rather than stop the file being written.
                file.write(piece.encode("utf-8", "backslashreplace") if isinstance(piece, str) else piece)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def printable_name(name: str) -> str:
    """A file name as text any output can hold: bytes that are not UTF-8 (an archive unpacked from
    Latin-1, a platform's export) shown as ``\\xff``, where they would stop a CSV, JSON or HTML file."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")
