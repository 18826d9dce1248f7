"""The system calls confined learner code may not make (a seccomp filter), beside Landlock.

Landlock confines paths, TCP and signals, but not everything a process of the grader's own user
(or of the worker's user, shared by every worker) may do to others. In process mode the exercise's
process therefore also installs this filter, irrevocably, before any learner code runs; each call
below fails with ``EPERM``:

- ``socket``: no socket at all (MPTCP, UDP, pathname UNIX sockets, netlink are beyond Landlock);
  ``socketpair`` stays;
- changing files' owner, mode, times or extended attributes, which Landlock does not cover
  (another student's folder could be made unreadable);
- limits, priorities and CPU affinity of any process but itself, or of its group or user
  (``prlimit64``, ``setpriority``, ``sched_set*``, ``ioprio_set``): no slowing or killing the
  grader or a classmate's worker;
- file leases (``fcntl(F_SETLEASE)``): a lease on a file the user owns makes others wait to open it;
- SysV IPC objects and the kernel's keyrings, which outlive the exercise and are shared by a user;
- io_uring, whose operations (sockets among them) no filter of system calls sees.

x86-64 only: on other machines the filter is not installed (``supported`` says so). Standard
library only: the worker loads this file from beside itself.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
# Classic BPF: load a word of seccomp_data (nr at 0, arch at 4, args at 16 + 8 i), jump, return.
_LD, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06

# x86-64 numbers.
DENIED = {
    "socket": 41,
    "chmod": 90,
    "fchmod": 91,
    "chown": 92,
    "fchown": 93,
    "lchown": 94,
    "utime": 132,
    "utimes": 235,
    "futimesat": 261,
    "utimensat": 280,
    "fchownat": 260,
    "fchmodat": 268,
    "fchmodat2": 452,
    "setxattr": 188,
    "lsetxattr": 189,
    "fsetxattr": 190,
    "removexattr": 197,
    "lremovexattr": 198,
    "fremovexattr": 199,
    "setxattrat": 463,
    "removexattrat": 466,
    "shmget": 29,
    "semget": 64,
    "msgget": 68,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    # io_uring makes sockets (and more) without the system calls above: it would undo the filter.
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
}
# Allowed only as the calling process's own, on itself: {name: (number, ((argument, required value), ...))}.
# (setpriority and ioprio_set also take a process group or a user, which a target of 0 would mean.)
SELF_ONLY = {
    "prlimit64": (302, ((0, 0),)),
    "setpriority": (141, ((0, 0), (1, 0))),  # PRIO_PROCESS, itself
    "sched_setparam": (142, ((0, 0),)),
    "sched_setscheduler": (144, ((0, 0),)),
    "sched_setaffinity": (203, ((0, 0),)),
    "sched_setattr": (314, ((0, 0),)),
    "ioprio_set": (251, ((0, 1), (1, 0))),  # IOPRIO_WHO_PROCESS, itself
}
# Refused for one value of one argument: {name: (number, argument, value)}.
REFUSED_OPERATIONS = {
    # A lease on a file the user owns (the venv's NumPy, the grader's output file) makes every
    # other process that opens it wait, the grader and classmates' workers included.
    "fcntl F_SETLEASE": (72, 1, 1024),
}


# What the filter refuses, in words (for ``grader doctor``).
PROTECTIONS = (
    "no sockets or io_uring",
    "no changes of files' owner, mode, times or attributes",
    "no file leases",
    "no limits, priorities or affinity of other processes, process groups or users",
    "no SysV IPC or keyrings",
)


def supported() -> bool:
    """Whether this machine gets the filter (Linux on x86-64)."""
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def _program() -> bytes:
    denied = _ERRNO | errno.EPERM
    body = [(_LD, 0, 0, 4), (_JEQ, 1, 0, _AUDIT_ARCH_X86_64), (_RET, 0, 0, denied)]  # another ABI: refused
    body += [(_LD, 0, 0, 0), (_JGE, 0, 1, _X32_SYSCALL_BIT), (_RET, 0, 0, denied)]  # the x32 ABI: refused
    for number in DENIED.values():
        body += [(_JEQ, 0, 1, number), (_RET, 0, 0, denied)]
    for number, required in SELF_ONLY.values():
        body += _self_only(number, required, denied)
    for number, argument, value in REFUSED_OPERATIONS.values():
        # nr == number ? (argument's low word == value ? deny : next) : next; then reload nr.
        body += [(_JEQ, 0, 3, number), (_LD, 0, 0, 16 + 8 * argument), (_JEQ, 0, 1, value), (_RET, 0, 0, denied)]
        body.append((_LD, 0, 0, 0))
    body.append((_RET, 0, 0, _ALLOW))
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in body)


def _self_only(number: int, required: tuple[tuple[int, int], ...], denied: int) -> list[tuple[int, int, int, int]]:
    """nr == number ? (every argument's words equal to its value ? allow : deny) : next; then reload nr."""
    deny_at = 4 * len(required) + 2  # index of the "deny" return in this block
    block = [(_JEQ, 0, deny_at, number)]
    for argument, value in required:
        low = 16 + 8 * argument
        for offset, expected in ((low, value), (low + 4, 0)):  # the argument's low word, then its high word
            compare_at = len(block) + 1
            block += [(_LD, 0, 0, offset), (_JEQ, 0, deny_at - compare_at - 1, expected)]
    return [*block, (_RET, 0, 0, _ALLOW), (_RET, 0, 0, denied), (_LD, 0, 0, 0)]


def install() -> None:
    """Install the filter on this process and every process it will start (no_new_privs must be set)."""
    code = _program()
    filters = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    program = Program(len(code) // 8, ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"prctl(PR_SET_SECCOMP): {os.strerror(number)}")
