"""Landlock: the kernel's own confinement, which any process may apply to itself.

Process mode has no bubblewrap namespaces, so before any learner code runs the exercise's process
confines itself (and, irrevocably, everything it will start) with Linux's Landlock: it may read
only the folders the grader names (the system's, the Python installation, the worker's files),
write only its scratch copy, open no TCP connection and bind no TCP port, and neither signal,
trace nor read the ``/proc`` files of any process outside its confinement (the grader, the
worker). Each Landlock version adds rights; ``abi_version`` says which this kernel has and
``protections`` what they cover here.

Standard library only: the worker loads this file from beside itself, as it loads ``wire``.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Iterable

# System call numbers: the same on every architecture that has Landlock (the unified table).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# File-system rights, by the ABI version that introduced them.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3, 5
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rights a rule on a file may carry
READ = EXECUTE | READ_FILE | READ_DIR
# Network (ABI 4): TCP bind and connect. Scopes (ABI 6): abstract UNIX sockets, signals.
NETWORK_ABI, SIGNAL_ABI = 4, 6
_NET_TCP = 1 | 2
_SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL = 1 | 2


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _syscall():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The Landlock ABI version this kernel offers (0: none, or refused, as by some seccomp profiles)."""
    try:
        version = _syscall().syscall(
            _CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION)
        )
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def protections(abi: int) -> list[str]:
    """What confinement at ``abi`` covers, in words (for ``grader doctor`` and the reports)."""
    if abi < 1:
        return []
    covered = ["reads limited to the system, Python and the worker's files", "writes to the scratch copy only"]
    covered.append("no tracing or reading /proc of the grader")
    if abi >= NETWORK_ABI:
        covered.append("no TCP connections or listening ports")
    if abi >= SIGNAL_ABI:
        covered.append("no signals to the grader or the worker")
    return covered


def confine(readable: Iterable[str], writable: Iterable[str], devices: Iterable[str] = ()) -> int:
    """Confine this process and every process it will start; returns the ABI version used.

    ``readable`` folders (and files) may be read and executed, ``writable`` ones fully used,
    ``devices`` read and written. Paths that do not exist are skipped. Raises OSError where the
    kernel has no Landlock or refuses it: nothing is confined then.
    """
    abi = abi_version()
    if abi < 1:
        raise OSError(38, "Landlock is not available in this kernel")
    libc = _syscall()
    fs_rights = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
    net = _NET_TCP if abi >= NETWORK_ABI else 0
    attr = _RulesetAttr(fs_rights, net, _SCOPE_ABSTRACT_UNIX_SOCKET_AND_SIGNAL if abi >= SIGNAL_ABI else 0)
    size = 24 if abi >= SIGNAL_ABI else 16 if abi >= NETWORK_ABI else 8  # the struct as that version knows it
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise _error("landlock_create_ruleset")
    try:
        for paths, rights in ((readable, READ), (writable, fs_rights), (devices, READ_FILE | WRITE_FILE)):
            for path in paths:
                _allow(libc, ruleset, path, rights)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _error("prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise _error("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return abi


def _allow(libc, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not on this machine: nothing to allow
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= _FILE_ONLY
        rule = _PathBeneathAttr(rights, fd)
        if libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), 0) != 0:
            raise _error(f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def _error(what: str) -> OSError:
    number = ctypes.get_errno()
    return OSError(number, f"{what}: {os.strerror(number)}")
