"""Reading a submission's files without ever following a link, and writing a copy of them.

Every folder is opened relative to its parent's descriptor with ``O_NOFOLLOW``, and every file
the same way (with ``O_NONBLOCK``, so that a FIFO cannot block the grader): a link at any depth,
to a folder or to a file, is listed as a link and neither read nor entered; FIFOs, devices and
sockets are listed and never read. What is read is read once, within size caps, and kept: the
grader works from these bytes only, so a file cannot change between being checked and being used.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 20 << 20  # a larger file (a notebook of 49 MB) is listed, not read
MAX_READ_BYTES = 64 << 20  # read in all, per submission
MAX_ENTRIES = 5000  # files, folders and links visited, per submission
MAX_DEPTH = 32
# Tools' folders: never copied into the sandbox, so learner code cannot read them there.
TOOL_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "node_modules", ".venv", "venv"}

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Unreadable(Exception):
    """The submission itself is a link, a special file or missing; the message says which."""


@dataclass
class Tree:
    """What a submission holds, by relative POSIX path ("assignments/ex01_partial_derivatives.py")."""

    files: dict[str, bytes] = field(default_factory=dict)  # every regular file read
    unread: dict[str, str] = field(default_factory=dict)  # files (and folders) not read, and why
    links: list[str] = field(default_factory=list)  # links, never followed
    specials: list[str] = field(default_factory=list)  # FIFOs, devices, sockets
    single_file: bool = False  # the submission is one file (a notebook), not a folder
    bytes_read: int = 0
    entries: int = 0

    def digest(self) -> str:
        """A hash of everything the submission holds: every file's name and bytes, every link's name."""
        digest = hashlib.sha256()
        for kind, names in (("file", self.files), ("unread", self.unread), ("link", self.links)):
            for name in sorted(names):
                digest.update(f"{kind}\0{name}\0".encode(errors="surrogateescape"))
                if kind == "file":
                    digest.update(hashlib.sha256(self.files[name]).digest())
                elif kind == "unread":
                    digest.update(self.unread[name].encode())
        return digest.hexdigest()


def read(path: Path) -> Tree:
    """Read the submission at ``path`` (a folder or one file), never following a link in it."""
    try:
        fd = os.open(path, _FILE)
    except FileNotFoundError:
        raise Unreadable("the submission does not exist") from None
    except OSError as error:  # ELOOP: the submission itself is a link
        raise Unreadable(_link_or_special(error)) from None
    tree = Tree()
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            _walk(os.dup(fd), "", tree, 0)
        elif stat.S_ISREG(mode):
            tree.single_file = True
            _read_file(fd, Path(path).name, tree)
        else:
            raise Unreadable("the submission is a special file (a FIFO, device or socket), not a notebook or a folder")
    finally:
        os.close(fd)
    return tree


def _link_or_special(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "the submission is a link, not a notebook or a folder: links are not followed"
    return f"the submission cannot be opened ({error.strerror})"


def _walk(fd: int, prefix: str, tree: Tree, depth: int) -> None:
    """List the folder open at ``fd`` (and close it), entering sub-folders by descriptor."""
    try:
        names = sorted(os.listdir(fd))
        for name in names:
            relative = prefix + name
            tree.entries += 1
            if tree.entries > MAX_ENTRIES:
                tree.unread[relative] = f"over the {MAX_ENTRIES} files a submission may hold"
                continue
            try:
                mode = os.lstat(name, dir_fd=fd).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                tree.links.append(relative)
            elif stat.S_ISDIR(mode):
                if name in TOOL_DIRS or depth >= MAX_DEPTH:
                    continue
                try:
                    child = os.open(name, _DIRECTORY, dir_fd=fd)
                except OSError as error:  # replaced by a link since it was listed (ELOOP, ENOTDIR), or private
                    _not_opened(tree, relative, error)
                    continue
                _walk(child, relative + "/", tree, depth + 1)
            elif stat.S_ISREG(mode):
                try:
                    file = os.open(name, _FILE, dir_fd=fd)
                except OSError as error:
                    _not_opened(tree, relative, error)
                    continue
                try:
                    _read_file(file, relative, tree)
                finally:
                    os.close(file)
            else:
                tree.specials.append(relative)
    finally:
        os.close(fd)


def _not_opened(tree: Tree, relative: str, error: OSError) -> None:
    """An entry that could not be opened: a link put in its place, or one the grader may not read."""
    if error.errno in (errno.EACCES, errno.EPERM):
        tree.unread[relative] = "the grader may not read it (permission denied): check the submission's permissions"
    else:
        tree.links.append(relative)


def _read_file(fd: int, relative: str, tree: Tree) -> None:
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):  # swapped for a FIFO since it was listed
        tree.specials.append(relative)
        return
    size = status.st_size
    if size > MAX_FILE_BYTES:
        tree.unread[relative] = f"{size / (1 << 20):.1f} MB, over the {MAX_FILE_BYTES >> 20} MB a file may have"
        return
    if tree.bytes_read + size > MAX_READ_BYTES:
        tree.unread[relative] = f"over the {MAX_READ_BYTES >> 20} MB a submission may hold in all"
        return
    chunks, left = [], size
    while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    data = b"".join(chunks)
    tree.files[relative] = data
    tree.bytes_read += len(data)


def write(files: dict[str, bytes], folder: Path) -> None:
    """Write ``files`` (relative POSIX paths) under ``folder``, following no link already there.

    ``folder`` is the grader's own, but in a reused workspace an earlier student may have left
    something behind: every component is opened with ``O_NOFOLLOW`` and every file created anew.
    """
    root = os.open(folder, _DIRECTORY)
    try:
        for relative, data in files.items():
            *parents, name = relative.split("/")
            fd = os.dup(root)
            try:
                for parent in parents:
                    try:
                        os.mkdir(parent, 0o755, dir_fd=fd)
                    except FileExistsError:
                        pass
                    child = os.open(parent, _DIRECTORY, dir_fd=fd)
                    os.close(fd)
                    fd = child
                try:
                    os.unlink(name, dir_fd=fd)
                except FileNotFoundError:
                    pass
                file = os.open(
                    name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=fd
                )
                with os.fdopen(file, "wb") as out:
                    out.write(data)
            finally:
                os.close(fd)
    finally:
        os.close(root)
