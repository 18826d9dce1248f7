"""One submission's conversation with its worker, exercise by exercise.

``Session`` keeps one worker per submission and opens the exercises in turn; ``ExerciseRun``
is one exercise's view: it calls the learner's functions, charges the time spent to the
exercise's budget, and remembers how the exercise ended (fine, timed out, crashed). When the
worker fails, the exercise is stopped, the worker killed, and a fresh one is started at once so
that the remaining exercises are graded at full speed.

Checks never see this module directly: they get a ``LearnerModule`` proxy (``sub``), whose
functions look like the learner's own but run in the worker and return plain data.
"""

from __future__ import annotations

import copy
import inspect
import os
import time
from collections.abc import Callable

import numpy as np

from grader.checking.diagnose import format_value
from grader.isolation.sandbox import Worker, WorkerFailure, Workspace
from grader.isolation.wire import Fn
from grader.submissions.loading import ExerciseCode, Submission

OUTPUT_KEPT_PER_EXERCISE = 20_000


class LearnerError(AssertionError):
    """The learner's function raised, or is missing: the check fails with this message.

    ``reason`` is "not implemented" or "not defined" for the problems an exercise reports once
    for all its checks, and "raised" otherwise.
    """

    def __init__(self, message: str, reason: str = "raised"):
        super().__init__(message)
        self.reason = reason


class ExerciseStopped(AssertionError):
    """The exercise timed out or crashed earlier; its remaining checks cannot run."""


class ExerciseRun:
    """One exercise of one submission, as the checks see it."""

    def __init__(self, session: Session, code: ExerciseCode):
        self.session = session
        self.code = code
        self.exercise_id = code.exercise_id
        self.status = "missing" if code.kind == "missing" else "ok"  # ok | missing | error | timeout
        self.message = code.missing_reason
        self.load_errors: list[dict] = []
        self.budget = session.limits.timeout_s
        self.output = ""
        self.dropped_output = 0
        self.seconds = 0.0
        self.answers: list[tuple[str, tuple, object]] = []  # (function, args, value) in the current check

    # -------------------------------------------------------------- worker traffic

    def request(self, message: dict, what: Callable[[], str], ending: bool = False) -> dict:
        """Send one request for this exercise, charging its time; ``ending`` expects the end report.

        ``what`` describes the request for messages; it is called only when something goes wrong,
        because describing arguments costs more than most calls.
        """
        started = time.monotonic()
        try:
            reply = self.session.worker.request(message, max(self.budget, 0.001))
        except WorkerFailure as failure:
            self._stop(failure.kind, f"{what()}: {failure}")
        finally:
            spent = time.monotonic() - started
            self.budget -= spent
            self.seconds += spent
        if reply.get("ended") and not ending:  # the exercise's process died while we waited for its answer
            self._stop(
                "error", f"{what()}: the process running your code {reply.get('how')} (a crash, sys.exit or os._exit?)"
            )
        self.dropped_output = max(self.dropped_output, int(reply.get("dropped_output", 0) or 0))
        return reply

    def _stop(self, status: str, message: str):
        self.status = status
        if status == "timeout":
            message += (
                f". Each exercise has {self.session.limits.timeout_s:g} s in all;"
                " look for an infinite loop or a very slow computation."
            )
        self.message = message
        self.session.restart_worker()
        raise ExerciseStopped(message)

    def load(self) -> None:
        if self.code.kind == "missing":
            return
        reply = self.request({"op": "open", **self.code.request()}, lambda: f"loading {self.code.describe()}")
        self.load_errors = list(reply.get("errors", []))
        if self.load_errors:
            self.message = "; ".join(describe_error(e) for e in self.load_errors)

    def call(self, function: str, args_list: list[tuple], describe: Callable[[], str]) -> list[dict]:
        """Call ``function`` once per argument tuple, in one round trip; one result dict per call."""
        if self.status == "missing":
            raise LearnerError(f"{describe()}: not graded, {self.message}", "missing")
        if self.status != "ok":
            raise ExerciseStopped(f"Not run: {self.message}")
        message = {"op": "call", "func": function, "args_list": [list(args) for args in args_list]}
        results = self.request(message, describe).get("results")
        if not isinstance(results, list) or len(results) != len(args_list):
            self._stop("error", f"{describe()}: the worker's answer was garbled")
        return [r if isinstance(r, dict) else {"ok": False, "error": {"type": "Garbled"}} for r in results]

    def close(self) -> None:
        if self.status == "ok" and self.code.kind != "missing":
            try:
                self.request({"op": "close"}, lambda: "finishing", ending=True)
            except ExerciseStopped:
                pass


class Session:
    """One submission's exercises, opened in turn on the worker of a workspace."""

    def __init__(self, submission: Submission, workspace: Workspace):
        self.submission = submission
        self.workspace = workspace
        self.limits = workspace.limits
        self.output_path = workspace.output

    @property
    def worker(self) -> Worker:
        return self.workspace.worker

    def restart_worker(self) -> None:
        self.workspace.restart_worker()

    def open(self, exercise_id: str) -> ExerciseRun:
        run = ExerciseRun(self, self.submission.exercises[exercise_id])
        run.output_start = self._output_size()
        try:
            run.load()
        except ExerciseStopped:
            pass
        return run

    def close(self, run: ExerciseRun) -> None:
        run.close()
        run.output = self._read_output(run.output_start)

    def _output_size(self) -> int:
        try:
            return os.path.getsize(self.output_path)
        except OSError:
            return 0

    def _read_output(self, start: int) -> str:
        try:
            with open(self.output_path, "rb") as output:
                output.seek(start)
                data = output.read(OUTPUT_KEPT_PER_EXERCISE + 1)
        except OSError:
            return ""
        text = data[:OUTPUT_KEPT_PER_EXERCISE].decode("utf-8", "replace")
        if len(data) > OUTPUT_KEPT_PER_EXERCISE:
            text += "\n[... output trimmed ...]"
        return text


class LearnerModule:
    """``sub`` in a check: attribute access gives the learner's function, run in the worker."""

    def __init__(self, run: ExerciseRun, reference_module):
        self._run = run
        self._reference = reference_module

    def __getattr__(self, name: str) -> LearnerFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        function = LearnerFunction(self._run, name, parameter_names(getattr(self._reference, name, None)))
        setattr(self, name, function)  # later look-ups skip __getattr__ and inspect.signature
        return function


class LearnerFunction:
    """A learner's function: calling it sends the arguments to the worker and returns its answer."""

    def __init__(self, run: ExerciseRun, name: str, parameters: list[str]):
        self.run = run
        self.name = name
        self.parameters = parameters
        self.mutated: list[str] = []

    def __call__(self, *args):
        return self.call_many([args])[0]

    def call_many(self, cases: list[tuple]) -> list:
        """The answers at every case, from one round trip; raises at the first case that failed."""
        results = self.run.call(self.name, cases, lambda: self.describe(cases[0]) + (" ..." if len(cases) > 1 else ""))
        for args, result in zip(cases, results):
            if not result.get("ok"):
                error = result.get("error") or {}
                raise LearnerError(
                    explain_call_error(self.name, self.describe(args), error, self.run.load_errors),
                    REASONS.get(error.get("type"), "raised"),
                )
        self.run.answers.extend((self.name, args, r.get("value")) for args, r in zip(cases, results))
        mutated = results[-1].get("mutated") or []
        self.mutated = [self.parameters[i] if i < len(self.parameters) else f"argument {i + 1}" for i in mutated]
        return [r.get("value") for r in results]

    def describe(self, args: tuple) -> str:
        return describe_call(self.name, self.parameters, args)


class ReferenceStandIn:
    """``sub`` with the reference in place of the learner's code, to re-run a check that raised.

    A check that passes this way was stopped by the learner's value; one that raises again has a
    fault of its own. Its answers are logged like the learner's, so the two can be compared.
    """

    def __init__(self, reference_module):
        self._reference = reference_module
        self.answers: list[tuple[str, tuple, object]] = []

    def __getattr__(self, name: str) -> ReferenceFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        function = getattr(self._reference, name)
        return ReferenceFunction(function, name, parameter_names(function), self.answers)


class ReferenceFunction:
    """A reference function dressed as a ``LearnerFunction``: called on copies, never mutating."""

    mutated: list[str] = []

    def __init__(self, function: Callable, name: str, parameters: list[str], log: list):
        self.function = function
        self.name = name
        self.parameters = parameters
        self.log = log

    def __call__(self, *args):
        value = self.function(*copy.deepcopy(args))
        self.log.append((self.name, args, value))
        return value

    def call_many(self, cases: list[tuple]) -> list:
        return [self(*args) for args in cases]

    def describe(self, args: tuple) -> str:
        return describe_call(self.name, self.parameters, args)


def describe_call(name: str, parameters: list[str], args: tuple) -> str:
    names = parameters + [f"arg{i}" for i in range(len(parameters), len(args))]
    shown = ", ".join(f"{n}={describe_argument(a)}" for n, a in zip(names, args))
    return f"{name}({shown})"


def parameter_names(function) -> list[str]:
    if function is None:
        return []
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []


def describe_argument(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Fn):
        return value.source
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"<array of shape {value.shape}>"
    return format_value(value, digits=4)


def describe_error(error: dict) -> str:
    return f"{error.get('where', 'your code')} raised {error.get('type')}: {error.get('message')}"


REASONS = {"NotImplementedError": "not implemented", "NotDefined": "not defined"}


def explain_call_error(function: str, description: str, error: dict, load_errors: list[dict] | None = None) -> str:
    kind = error.get("type", "Error")
    if kind == "NotImplementedError":
        return f"{function} is not implemented yet (it raises NotImplementedError)."
    if kind == "NotDefined" and load_errors:
        return f"{function} is not defined: your code stopped before defining it ({describe_error(load_errors[0])})."
    if kind == "NotDefined":
        return f"{function} is not defined: check its name against the assignment."
    text = f"{description} raised {kind}: {error.get('message', '')}"
    if error.get("traceback"):
        text += "\n" + error["traceback"].rstrip()
    return text
