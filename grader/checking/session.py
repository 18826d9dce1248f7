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
import re
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from grader.checking.diagnose import format_value
from grader.course import EXERCISES
from grader.isolation.sandbox import Worker, WorkerFailure, Workspace
from grader.isolation.wire import Fn
from grader.model import ExerciseStatus, Reason
from grader.submissions.loading import ExerciseCode, Place, Submission

OUTPUT_KEPT_PER_EXERCISE = 20_000
RUNNING = "ok"  # an exercise run that has not ended early
# What an exception report from the worker may hold: a forged reply may carry megabytes.
ERROR_FIELD_CHARS = {"type": 200, "message": 2000, "traceback": 4000, "where": 200, "library": 100}
MAX_LOAD_ERRORS = 20
MAX_HOW_CHARS = 200  # how the exercise's process ended, as the worker says: "killed by signal SIGSEGV"
MAX_STOP_CHARS = 2000  # why an exercise stopped: it is repeated in every check it stops
# After a function runs out of time, the exercise's other functions are checked in a fresh process
# with a fresh budget: this many times per submission (a slow helper may take a caller or two with
# it), so that a submission's learner code never takes more than 13 budgets in all (the time limits
# of platforms that grade one submission, such as Codio's 150 s, hold). After the process ends
# during a call (a crash, os._exit, a garbled channel), the fresh process gets what is left of the
# budget: no time is added, so such fresh starts are not counted; each takes a function out.
FRESH_STARTS = 3
AFTER_A_FRESH_START = {
    ExerciseStatus.TIMEOUT: " A function that ran out of time is not run again; the others were checked in a fresh"
    " process.",
    ExerciseStatus.ERROR: " The function that was running when its process ended is not run again; the others were"
    " checked in a fresh process.",
}


# The reason of a check whose function stopped the exercise's process, by how it stopped it.
STOPPED_REASON = {ExerciseStatus.TIMEOUT: Reason.TIMEOUT, ExerciseStatus.ERROR: Reason.STOPPED}


class Callees(Protocol):
    """Which callees to answer for a caller, and their answers (``grader.checking.carried.RightCallees``)."""

    def names_for(self, caller: str) -> list[str]: ...

    def answerer(self, caller_args: list[tuple]) -> Callable[[dict], dict]: ...


class LearnerFault(AssertionError):
    """A learner's function did not answer: the check fails with this message.

    ``reason`` says why (raised, not implemented, not defined, missing, stopped, timeout);
    ``function`` names it.
    """

    def __init__(self, message: str, reason: Reason = Reason.RAISED, function: str = ""):
        super().__init__(message)
        self.reason = reason
        self.function = function


class LearnerError(LearnerFault):
    """The learner's function raised, or is missing. A check may catch it to explain it better."""


class FunctionStopped(LearnerFault):
    """The learner's function ended its process or ran out of time, now or earlier (it is not run again).

    Not a ``LearnerError``: a check that explains a refusal (an exception) must not take a crash
    for one.
    """


class ExerciseStopped(AssertionError):
    """The exercise timed out or crashed earlier; its remaining checks cannot run."""


class ExerciseRun:
    """One exercise of one submission, as the checks see it."""

    def __init__(self, session: Session, code: ExerciseCode):
        self.session = session
        self.code = code
        self.exercise_id = code.exercise_id
        # RUNNING until the exercise ends early: MISSING, or stopped as ERROR or TIMEOUT
        self.status: ExerciseStatus | str = ExerciseStatus.MISSING if code.kind == "missing" else RUNNING
        self.message = code.missing_reason
        self.load_errors: list[dict] = []
        self.setup_errors: list[dict] = []  # from the notebook's setup cells: the submission's, reported once
        self.budget = session.limits.timeout_s
        self.output = ""
        self.dropped_output = 0
        self.seconds = 0.0
        self.output_start = session.output_size()  # where this exercise's printed output begins
        self.answers: list[tuple[str, tuple, object]] = []  # (function, args, value) in the current check
        self.called: set[str] = set()  # the learner's functions the current check called
        self.ended = False  # the exercise's process was stopped
        # A function that ran out of time or ended its process is not called again: {name: (how the
        # exercise stopped, why)}. The exercise's other functions get a fresh process and a fresh
        # budget (``_start_again``), so that one bad function does not cost its correct neighbours
        # their checks.
        self.not_run_again: dict[str, tuple[ExerciseStatus, str]] = {}
        self.rejudging = False  # callers judged again with right callees, after every other check

    @property
    def defined_elsewhere(self) -> dict[str, Place]:
        """Names other cells of the notebook define, for a NameError's hint (a ReferenceRun has none)."""
        return self.code.defined_elsewhere

    @property
    def runs_cells(self) -> bool:
        """Whether the exercise's code is notebook cells (run statement by statement), not a module."""
        return self.code.kind == "cells"

    # -------------------------------------------------------------- worker traffic

    def request(
        self,
        message: dict,
        what: Callable[[], str],
        ending: bool = False,
        on_callback: Callable[[dict], dict] | None = None,
    ) -> dict:
        """Send one request for this exercise, charging its time; ``ending`` expects the end report.

        ``what`` describes the request for messages; it is called only when something goes wrong,
        because describing arguments costs more than most calls.
        """
        started = time.monotonic()
        try:
            reply = self.session.worker.request(message, max(self.budget, 0.001), on_callback)
        except WorkerFailure as failure:
            self._stop(ExerciseStatus(failure.kind), f"{what()}: {failure}")
        finally:
            spent = time.monotonic() - started
            self.budget -= spent
            self.seconds += spent
        if problem := garbled(reply):  # written by learner code that reached the channel: its own process ends
            self._stop(ExerciseStatus.ERROR, f"{what()}: the learner's code garbled the grader's channel ({problem})")
        if reply.get("ended") and not ending:  # the exercise's process died while we waited for its answer
            self._stop(
                ExerciseStatus.ERROR,
                f"{what()}: the process running your code {reply.get('how', '')[:MAX_HOW_CHARS]} (a crash, sys.exit or"
                " os._exit?)",
            )
        self.dropped_output = max(self.dropped_output, reply.get("dropped_output", 0))
        return reply

    def _stop(self, status: ExerciseStatus, message: str):
        self.ended = True
        self.status = status
        message = message[:MAX_STOP_CHARS]  # it may quote what learner code wrote to the channel
        if status == ExerciseStatus.TIMEOUT:
            message += (
                f". Each exercise has {self.session.limits.timeout_s:g} s in all;"
                " look for an infinite loop or a very slow computation."
            )
        self.message = message
        self.session.restart_worker()
        raise ExerciseStopped(message)

    def _start_again(self, function: str) -> bool:
        """After a call of ``function`` stopped the exercise: load the exercise again in a fresh
        process, for the checks of its other functions. False when none may be started.

        After a timeout the fresh process has a fresh budget (while the submission has fresh
        starts left, and never while callers are judged again: their verdicts are made); after
        the process ended during the call (a crash, the worker killed, a garbled channel), what
        is left of the budget. A grader error gets none: it is not the learner's doing.
        """
        if self.status == ExerciseStatus.TIMEOUT:
            if self.rejudging or self.session.fresh_starts_left <= 0:
                return False
            self.session.fresh_starts_left -= 1
            self.budget = self.session.limits.timeout_s
        elif self.status != ExerciseStatus.ERROR or self.budget <= 0:
            return False
        self.not_run_again[function] = (self.status, self.message)
        self.status, self.ended, self.message = RUNNING, False, ""
        self.load()
        first_status, first_message = next(iter(self.not_run_again.values()))  # the exercise says the first
        notice = first_message + AFTER_A_FRESH_START[first_status]
        self.message = f"{notice} {self.message}" if self.message else notice  # and what the fresh load met
        return True

    @property
    def stopped_once(self) -> ExerciseStatus | None:
        """How the first function that is not run again stopped the exercise (None if none did)."""
        return next(iter(self.not_run_again.values()))[0] if self.not_run_again else None

    def load(self) -> None:
        """Run the learner's code for this exercise in a fresh process; a load that stops the
        exercise (a timeout, a crash) leaves its status and message to say so."""
        if self.code.kind == "missing":
            return
        try:
            reply = self.request({"op": "open", **self.code.request()}, lambda: f"loading {self.code.describe()}")
        except ExerciseStopped:
            return
        errors = reply.get("errors")
        errors = (
            [bounded_error(e) for e in errors[:MAX_LOAD_ERRORS] if isinstance(e, dict)]
            if isinstance(errors, list)
            else []
        )
        self.setup_errors = [e for e in errors if e.get("setup")]
        self.load_errors = [e for e in errors if not e.get("setup")]
        if self.load_errors:
            hint = self.defined_elsewhere
            self.message = "; ".join(
                describe_error(e, self.runs_cells) + elsewhere_hint(e, hint) for e in self.load_errors
            )

    def call(
        self, function: str, args_list: list[tuple], describe: Callable[[], str], callees: Callees | None = None
    ) -> list[dict]:
        """Call ``function`` once per argument tuple, in one round trip; one result dict per call.

        With ``callees``, the learner's functions it names answer with the grader's right values
        while ``function`` runs (see ``grader.checking.carried``).
        """
        if self.status == ExerciseStatus.MISSING:
            raise LearnerError(f"{describe()}: not graded, {self.message}", Reason.MISSING, function)
        if self.status != RUNNING:
            raise ExerciseStopped(f"Not run: {self.message}")
        self.called.add(function)  # called, even when not run again: a caller is then judged again with right callees
        substitute = callees.names_for(function) if callees else []
        if function in self.not_run_again and not substitute:  # with right callees it may work: tried again
            status, why = self.not_run_again[function]
            raise FunctionStopped(f"{describe()}: not run again: {why}", STOPPED_REASON[status], function)
        message = {"op": "call", "func": function, "args_list": [list(args) for args in args_list]}
        if substitute:
            message["substitute"] = substitute
        answerer = callees.answerer(args_list) if substitute else None
        try:
            results = self.request(message, describe, on_callback=answerer).get("results")
            if not isinstance(results, list) or len(results) != len(args_list):
                self._stop(ExerciseStatus.ERROR, f"{describe()}: the worker's answer was garbled")
        except ExerciseStopped as stopped:
            status = self.status
            if self._start_again(function):
                raise FunctionStopped(str(stopped), STOPPED_REASON[status], function) from None
            raise
        return [
            {**r, "error": bounded_error(r.get("error"))}
            if isinstance(r, dict)
            else {"ok": False, "error": {"type": "Garbled"}}
            for r in results
        ]

    def close(self) -> None:
        if self.status == RUNNING and self.code.kind != "missing" and not self.ended:
            try:
                self.request({"op": "close"}, lambda: "finishing", ending=True)
            except ExerciseStopped:
                pass
        self.output = self.session.read_output(self.output_start)


class Session:
    """One submission's exercises, opened in turn on the worker of a workspace."""

    def __init__(self, submission: Submission, workspace: Workspace):
        self.submission = submission
        self.workspace = workspace
        self.limits = workspace.limits
        self.output_path = workspace.output
        self.fresh_starts_left = FRESH_STARTS  # shared by its exercises: see the constant

    @property
    def worker(self) -> Worker:
        return self.workspace.worker

    def restart_worker(self) -> None:
        self.workspace.restart_worker()

    def open(self, exercise_id: str) -> ExerciseRun:
        run = ExerciseRun(self, self.submission.exercises[exercise_id])
        run.load()
        return run

    def output_size(self) -> int:
        try:
            return os.path.getsize(self.output_path)
        except OSError:
            return 0

    def read_output(self, start: int) -> str:
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

    def __init__(self, run: ExerciseRun, reference_module, callees: Callees | None = None):
        self._run = run
        self._reference = reference_module
        self._callees = callees

    def __getattr__(self, name: str) -> LearnerFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        parameters = parameter_names(getattr(self._reference, name, None))
        function = LearnerFunction(self._run, name, parameters, self._callees)
        setattr(self, name, function)  # later look-ups skip __getattr__ and inspect.signature
        return function


class ReferenceRun:
    """The reference answering as the worker would, in the grader's process: a check tried on right answers."""

    status = RUNNING
    load_errors: list[dict] = []
    defined_elsewhere: dict[str, Place] = {}
    exercise_id = ""
    runs_cells = False

    def __init__(self, reference_module):
        self.reference = reference_module
        self.answers: list[tuple[str, tuple, object]] = []  # logged like the learner's, to compare the two

    def call(
        self, function: str, args_list: list[tuple], describe: Callable[[], str], callees: Callees | None = None
    ) -> list[dict]:
        results = []  # the reference calls its own, right, callees
        for args in args_list:
            copies = copy.deepcopy(args)
            try:
                value = getattr(self.reference, function)(*copies)
            except Exception as error:
                results.append({"ok": False, "error": {"type": type(error).__name__, "message": str(error)}})
                continue
            changed = [i for i, (a, c) in enumerate(zip(args, copies)) if not _same(a, c)]
            results.append({"ok": True, "value": value, "mutated": changed})
        return results


def _same(before, after) -> bool:
    try:
        return bool(np.array_equal(before, after)) if isinstance(before, np.ndarray) else True
    except (TypeError, ValueError):
        return True


class LearnerFunction:
    """A learner's function: calling it sends the arguments to the worker and returns its answer."""

    def __init__(self, run: ExerciseRun, name: str, parameters: list[str], callees: Callees | None = None):
        self.run = run
        self.name = name
        self.parameters = parameters
        self.callees = callees
        self.mutated: list[str] = []

    def __call__(self, *args):
        return self.call_many([args])[0]

    def call_many(self, cases: list[tuple]) -> list:
        """The answers at every case, from one round trip; raises at the first case that failed."""

        def describe() -> str:
            return self.describe(cases[0]) + (" ..." if len(cases) > 1 else "")

        results = self.run.call(self.name, cases, describe, self.callees)
        for args, result in zip(cases, results):
            if not result.get("ok"):
                error = result.get("error") or {}
                raise learner_error(self.name, self.describe(args), error, self.run)
        self.run.answers.extend((self.name, args, r.get("value")) for args, r in zip(cases, results))
        # Positions of arguments only, each once: a forged reply may list millions.
        mutated = sorted({i for i in results[-1].get("mutated") or [] if i < len(cases[-1])})
        self.mutated = [self.parameters[i] if i < len(self.parameters) else f"argument {i + 1}" for i in mutated]
        return [r.get("value") for r in results]

    def describe(self, args: tuple) -> str:
        names = self.parameters + [f"arg{i}" for i in range(len(self.parameters), len(args))]
        shown = ", ".join(f"{n}={describe_argument(a)}" for n, a in zip(names, args))
        return f"{self.name}({shown})"


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


def bounded_error(error) -> dict:
    """A learner's exception as the worker reported it, each field cut to its size."""
    if not isinstance(error, dict):
        return {}
    bounded = {key: str(error[key])[:limit] for key, limit in ERROR_FIELD_CHARS.items() if key in error}
    if error.get("setup"):
        bounded["setup"] = True
    return bounded


def garbled(reply: dict) -> str:
    """What in a worker's reply is not of the kind the worker writes ("" when nothing is).

    Learner code can write to the reply pipe; a field of another kind would otherwise make the
    grader's own code fail, and pass for the grader's error.
    """

    def count(value) -> bool:
        return type(value) is int and value >= 0

    if not count(reply.get("dropped_output", 0)):
        return "dropped_output is not a count"
    if not isinstance(reply.get("how", ""), str) or not isinstance(reply.get("errors", []), list):
        return "how or errors of the wrong kind"
    results = reply.get("results", [])
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        return "results are not a list of answers"
    for result in results:
        mutated, error = result.get("mutated", []), result.get("error", {})
        if not isinstance(mutated, list) or not all(count(i) for i in mutated) or not isinstance(error, dict):
            return "an answer's mutated or error field of the wrong kind"
    return ""


RUNS_ON_ITS_OWN = "each exercise runs on its own: the setup cells, then its own cells"


def describe_error(error: dict, in_cells: bool = False) -> str:
    """An exception the learner's code raised as it loaded; ``in_cells``: in a notebook's cells."""
    text = f"{error.get('where', 'your code')} raised {error.get('type')}: {error.get('message')}"
    if error.get("library"):
        text += f". {missing_library_rule(str(error['library']), in_cells)}"
    return text


def missing_library_rule(library: str, in_cells: bool = False) -> str:
    if library in {exercise.module for exercise in EXERCISES}:
        if in_cells:
            return (
                f"{library} is another exercise's module, which a notebook does not have: {RUNS_ON_ITS_OWN}. Define"
                " what you need in this exercise's cells, or in a setup cell before the first exercise"
            )
        return (
            f"{library} is another exercise's module, and it is not in this submission (a single module is graded"
            " on its own; a folder's exercise may import another's module when the folder holds it)"
        )
    return (
        f"{library} is not installed where your work is graded: only NumPy and the Python standard library"
        " may be assumed (the assignment's rule)"
    )


def elsewhere_hint(error: dict, defined_elsewhere: Mapping[str, Place]) -> str:
    """For a NameError on a name another cell of the notebook defines: where, and why it is not seen here."""
    match = re.fullmatch(r"name '(\w+)' is not defined.*", str(error.get("message", "")), re.DOTALL)
    where = defined_elsewhere.get(match.group(1)) if error.get("type") == "NameError" and match else None
    if where is None:
        return ""
    return (
        f". {match.group(1)} is defined in {where}, but {RUNS_ON_ITS_OWN}. Define or import it in this exercise's"
        " cells, or in a setup cell before the first exercise."
    )


def not_defined_after(load_error: dict, in_cells: bool, them: str = "them") -> str:
    """Why functions (``them``) are not defined after the learner's code raised ``load_error`` as it loaded.

    A module stops at its first exception; a notebook's cells run statement by statement, so an
    error stops only its own statement.
    """
    if in_cells:
        return f"{describe_error(load_error, in_cells)}; if that statement defines {them}, fix it first"
    return f"your code stopped before defining {them} ({describe_error(load_error)}): fix this first"


def defined_elsewhere_hint(functions: list[str], defined_elsewhere: Mapping[str, Place], exercise_id: str) -> str:
    """Where other cells of the notebook define the exercise's ``functions``, and how to make them its own.

    "" when no other cell defines any of them.
    """
    places: dict[Place, list[str]] = {}
    for name in functions:
        if name in defined_elsewhere:
            places.setdefault(defined_elsewhere[name], []).append(name)
    if not places:
        return ""
    where = "; ".join(f"{', '.join(names)} in {place}" for place, names in places.items())
    hint = f"The notebook defines {where}, but {RUNS_ON_ITS_OWN}. Move the definitions into this exercise's cells"
    loose = [place.cell for place in places if place.exercise is None]
    if loose:  # a cell after a markdown cell that ended the exercise's run of cells
        number = next(e.number for e in EXERCISES if e.id == exercise_id)
        hint += f", or tag {' and '.join(loose)} exercise-{number}"
        hint += " (a markdown cell between two code cells ends an exercise's cells)"
    return hint + "."


def learner_error(function: str, description: str, error: dict, run: ExerciseRun | ReferenceRun) -> LearnerError:
    """The check's exception for a learner's call that raised (as the worker reported it)."""
    kind = error.get("type", "Error")
    if kind == "NotImplementedError":
        return LearnerError(
            f"{function} is not implemented yet (it raises NotImplementedError).", Reason.NOT_IMPLEMENTED, function
        )
    if kind == "NotDefined" and (hint := defined_elsewhere_hint([function], run.defined_elsewhere, run.exercise_id)):
        return LearnerError(f"{function} is not defined in this exercise's cells. {hint}", Reason.NOT_DEFINED, function)
    if kind == "NotDefined" and run.load_errors:
        return LearnerError(
            f"{function} is not defined: {not_defined_after(run.load_errors[0], run.runs_cells, 'it')}.",
            Reason.NOT_DEFINED,
            function,
        )
    if kind == "NotDefined":
        return LearnerError(
            f"{function} is not defined: check its name against the assignment.", Reason.NOT_DEFINED, function
        )
    if error.get("library"):
        return LearnerError(
            f"{description} needs {error['library']} ({kind}: {error.get('message', '')}): "
            f"{missing_library_rule(str(error['library']), run.runs_cells)}. Compute it with NumPy.",
            Reason.RAISED,
            function,
        )
    text = f"{description} raised {kind}: {error.get('message', '')}{elsewhere_hint(error, run.defined_elsewhere)}"
    if error.get("traceback"):
        text += "\n" + error["traceback"].rstrip()
    return LearnerError(text, Reason.RAISED, function)
