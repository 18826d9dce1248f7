"""The seccomp filter's program, run on sample system calls by a small classic-BPF interpreter.

The kernel runs the same program (``tests/adversarial/test_confinement.py`` shows its effect on
learner code); here its logic is checked on any machine, call by call, arguments included.
"""

from __future__ import annotations

import struct

import pytest

from grader.isolation import seccomp

X86_64, I386 = 0xC000003E, 0x40000003


def verdict(number: int, args: tuple[int, ...] = (), arch: int = X86_64) -> str:
    """What the filter answers for one call: "allow" or "deny" (EPERM)."""
    code = seccomp._program()
    program = [struct.unpack("=HBBI", code[i : i + 8]) for i in range(0, len(code), 8)]
    data = struct.pack("=iIQ6Q", number, arch, 0, *(list(args) + [0] * (6 - len(args))))
    pc, accumulator = 0, 0
    for _ in range(len(program)):  # no loops in classic BPF: one pass at most
        operation, if_true, if_false, k = program[pc]
        if operation == 0x20:  # load a word of the call's data
            accumulator, pc = struct.unpack_from("=I", data, k)[0], pc + 1
        elif operation in (0x15, 0x35):  # jump if equal / if greater or equal
            taken = accumulator == k if operation == 0x15 else accumulator >= k
            pc += 1 + (if_true if taken else if_false)
        else:
            assert operation == 0x06, operation
            return "allow" if k == 0x7FFF0000 else "deny"
    raise AssertionError("the program ran past its end")


@pytest.mark.parametrize(
    "number, args, expected",
    [
        (0, (), "allow"),  # read
        (1, (), "allow"),  # write
        (41, (2, 1, 0), "deny"),  # socket(AF_INET, SOCK_STREAM)
        (53, (1, 1, 0), "allow"),  # socketpair
        (90, (), "deny"),  # chmod
        (302, (0, 7), "allow"),  # prlimit64 on itself
        (302, (1234, 7), "deny"),  # prlimit64 on another process
        (141, (0, 0, 5), "allow"),  # setpriority(PRIO_PROCESS, itself)
        (141, (0, 99, 19), "deny"),  # ... another process
        (141, (2, 0, 19), "deny"),  # setpriority(PRIO_USER, its own user)
        (141, (0, 1 << 32, 19), "deny"),  # a target that is 0 in its low word only
        (251, (1, 0, 7), "allow"),  # ioprio_set(IOPRIO_WHO_PROCESS, itself)
        (251, (3, 0, 7), "deny"),  # ioprio_set(IOPRIO_WHO_USER, ...)
        (203, (0, 8), "allow"),  # sched_setaffinity on itself
        (203, (5, 8), "deny"),
        (72, (1, 3), "allow"),  # fcntl(F_GETFL)
        (72, (1, 1024, 1), "deny"),  # fcntl(F_SETLEASE)
        (425, (), "deny"),  # io_uring_setup
        (0x40000000, (), "deny"),  # the x32 ABI
    ],
)
def test_the_filter_refuses_what_it_says_and_only_that(number, args, expected):
    assert verdict(number, args) == expected


def test_every_listed_call_is_refused_and_another_abi_is_refused_whole():
    assert {name: verdict(number) for name, number in seccomp.DENIED.items()} == dict.fromkeys(seccomp.DENIED, "deny")
    assert verdict(0, arch=I386) == "deny"
