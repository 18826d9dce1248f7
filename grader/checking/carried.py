"""Error carried forward: a caller judged again with its callee right, so one mistake costs once.

When a contract function calls another (``level_curve_tangent`` calls ``grad_f``), a mistake in
the callee also fails the caller. An exercise's check module names such pairs in ``CALLEES``
({caller: (callee, ...)}). When a check that called a caller fails, it runs again after the
exercise's other checks, with the callees answering right: the worker sends the arguments the
caller passes to the grader, which answers with the reference's value (no reference code enters
the sandbox; the frames are the wire's, bounded and decoded like every other). If the check then
passes, the caller keeps its points and its message names the callee whose error it inherits.

A public run answers from the recording: the reference's callee was recorded at the arguments
the reference's caller passes. A caller that asks elsewhere gets no answer, and its message says
the public checks cannot tell (the instructor's grading can).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from grader.checking.inputs import NotRecorded
from grader.model import CheckResult, CheckStatus

MAX_CALLBACKS = 20_000  # per call request: 300 optimizer steps over a few runs ask a few thousand
# The reference runs here, in the grader's process, on arguments learner code chose: one call it
# cannot be stopped in (numerical_gradient's time grows with the square of x's size) must stay
# short, so a callee's arguments may hold no more numbers than a few times its caller's (a
# caller passes its own data on, perhaps with a column added), or than a small floor.
CALLEE_GROWTH = 4
CALLEE_NUMBERS_FLOOR = 10_000


class RightCallees:
    """The reference's answers for the callees of the callers a check calls, and what was asked."""

    def __init__(self, reference, callees: dict[str, tuple[str, ...]]):
        self.reference = reference
        self.callees = callees
        self.allowed = {name for names in callees.values() for name in names}
        self.count = 0
        self.answered: list[str] = []  # callees the caller did call, in order of first call
        self.not_recorded = False  # a public run lacked an answer

    def names_for(self, caller: str) -> list[str]:
        return list(self.callees.get(caller, ()))

    def answerer(self, caller_args: list[tuple]) -> Callable[[dict], dict]:
        """What answers the callbacks of one call request of a caller, at these argument tuples."""
        largest = max((_numbers_in(list(args)) for args in caller_args), default=0)
        return functools.partial(self.answer, max_numbers=max(CALLEE_NUMBERS_FLOOR, CALLEE_GROWTH * largest))

    def answer(self, request: dict, max_numbers: int = CALLEE_NUMBERS_FLOOR) -> dict:
        """The reply to one ``callback`` frame of the worker: the reference's value, or why not."""
        name, args, kwargs = request.get("callback"), request.get("args"), request.get("kwargs") or {}
        if name not in self.allowed or not isinstance(args, list) or not isinstance(kwargs, dict):
            return _refused("it is not a function this check answers for")
        self.count += 1
        if self.count > MAX_CALLBACKS:
            return _refused(f"more than {MAX_CALLBACKS} calls")
        if _numbers_in(args) + _numbers_in(list(kwargs.values())) > max_numbers:
            return _refused(f"arguments of more than {max_numbers} numbers, far more than its caller was given")
        try:
            value = getattr(self.reference, name)(*args, **kwargs)
        except NotRecorded:
            self.not_recorded = True
            return _refused("the public checks did not record it at these arguments")
        except Exception as exc:  # arguments the reference cannot take: the caller's own doing
            return _refused(f"{type(exc).__name__}: {str(exc)[:200]}")
        if name not in self.answered:
            self.answered.append(name)
        return {"ok": True, "value": value}


def _refused(why: str) -> dict:
    return {"ok": False, "message": why}


def _numbers_in(value, depth: int = 0) -> int:
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, (list, tuple)) and depth < 40:
        return sum(_numbers_in(v, depth + 1) for v in value) + len(value)
    return 1


def inherit(result: CheckResult, callers: list[str], callees: list[str]) -> None:
    """Keep a check's points for a caller that is right once its callees (wrong by their own checks) are."""
    names = " and ".join(callees)
    who = " and ".join(callers)
    kept = ", so it keeps its points here (the mistake is charged" if result.max_score else " (the mistake is told"
    _keep(
        result,
        callees,
        f"Inherits the error of {names}: with a right {names} in its place, {who} passes this check{kept} "
        f"on {names}'s own checks). With your {names}: {result.message}",
    )


def _keep(result: CheckResult, callees: list[str], message: str) -> None:
    """The check passes, its message saying why, and names the callees it inherits from."""
    result.message = message
    result.status = CheckStatus.PASSED
    result.score = result.max_score
    result.inherits = list(callees)
    result.failure, result.reason, result.function = None, None, ""


def inherit_precision(result: CheckResult, callers: list[str], callees: list[str]) -> None:
    """Keep a check's points for a caller that is right once its callees answer in float64, not float32."""
    names, who = " and ".join(callees), " and ".join(callers)
    _keep(
        result,
        callees,
        f"Inherits the float32 precision of {names}: with {names} computed in float64, {who} passes this check, "
        f"so it keeps its points ({names}'s float32 answers are accepted at float32 precision, but what is "
        f"computed from them is no more precise: compute in float64). With your {names}: {result.message}",
    )


def cannot_tell(result: CheckResult, callees: list[str]) -> None:
    names = " and ".join(callees)
    result.message += (
        f" Whether this comes from a mistake in {names}, which it calls, the public checks cannot tell;"
        f" the instructor's grading judges it again with a right {names}."
    )
