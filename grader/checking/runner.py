"""Running the exercise checks with pytest, in the grader's own process.

The check modules in ``grader/exercises`` are ordinary pytest modules whose checks are marked
with ``@check``. This module's plugin collects exactly those, gives them their fixtures (``sub``:
the learner's module in the worker; ``ref``: the reference; ``rng``: a seeded generator, both
from the run's inputs, hidden or public: see ``grader.public``) and turns every outcome into a
``CheckResult``. pytest runs no learner code: ``sub`` forwards calls
to the isolated worker and brings back plain data.

pytest's start-up and collection are paid once per process: ``with_collected_checks`` runs its
body inside one pytest session (from that session's ``pytest_runtestloop``), and every
``run_checks`` during the body runs the collected items again, with the fixtures of the
submission at hand. A lone ``run_checks`` opens such a session for itself.
"""

from __future__ import annotations

import functools
import inspect
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from _pytest.runner import runtestprotocol

from grader.checking import carried
from grader.checking.carried import RightCallees
from grader.checking.checks import CheckFailed
from grader.checking.diagnose import format_value, is_float32, unusable_reason
from grader.checking.inputs import HiddenInputs, NotRecorded, PublicInputs
from grader.checking.session import (
    RUNNING,
    ExerciseRun,
    ExerciseStopped,
    LearnerFault,
    LearnerModule,
    ReferenceRun,
    Session,
)
from grader.course import CHECKS_DIR, EXERCISES, Exercise
from grader.model import CheckResult, CheckStatus, ExerciseStatus, Failure, Reason

T = TypeVar("T")


@dataclass
class CheckRun:
    """What one submission's run of the checks produced."""

    results: dict[str, list[CheckResult]] = field(default_factory=lambda: {e.id: [] for e in EXERCISES})
    runs: dict[str, ExerciseRun] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)


class CheckPlugin:
    """One pytest session's plugin: collects the checks once, then runs them for each submission.

    The fixtures and the report hook read the submission at hand (``session``, ``inputs``) and
    write its outcomes (``results``, ``runs``), all set afresh by ``run`` for every submission.
    """

    def __init__(self, exercises: Sequence[Exercise], body: Callable[[], object]):
        self.modules = {e.module for e in exercises}
        self.body = body
        self.items: list[pytest.Item] = []
        self.collection_errors: list[str] = []
        self.outcome: object = None
        self.ran = False
        self.error: BaseException | None = None
        self.broken = False  # a run ended inside pytest's protocol: the next one needs a session of its own
        self.session: Session | None = None  # the submission at hand, and its inputs and outcomes: see ``run``
        self.inputs: HiddenInputs | PublicInputs | None = None
        self.item: pytest.Item | None = None  # the check being run: what its fixtures are for
        self.results: dict[str, list[CheckResult]] = {}
        self.runs: dict[str, ExerciseRun] = {}
        self.to_rejudge: dict[str, list[tuple[pytest.Item, CheckResult, list[str]]]] = {}
        self.failed_calls: dict[str, set[str]] = {}  # per exercise: functions called by checks that failed
        self.float32_answers: dict[str, set[str]] = {}  # per exercise: functions that answered in float32

    def covers(self, exercises: Sequence[Exercise]) -> bool:
        return not self.broken and {e.module for e in exercises} <= self.modules

    def pytest_configure(self, config) -> None:
        # No traceback text for a failed check (the plugin writes its own message): pytest would
        # otherwise format every frame with its source, most of the cost of a wrong answer.
        # (--tb=no belongs to the terminal plugin, which is off.)
        config.option.tbstyle = "no"

    def pytest_pycollect_makeitem(self, collector, name, obj):
        if inspect.isfunction(obj) and hasattr(obj, "grader_check"):
            return [Check.from_parent(collector, name=name)]
        return None

    def pytest_collection_finish(self, session) -> None:
        self.items = list(session.items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session) -> bool:
        """Instead of running the items once, run the body, which runs them once per submission."""
        global _collected
        outer, _collected = _collected, self
        try:
            self.ran = True
            self.outcome = self.body()
        except BaseException as error:  # re-raised by with_collected_checks, outside pytest
            self.error = error
        finally:
            _collected = outer
        return True

    def run(self, session: Session, inputs: HiddenInputs | PublicInputs, exercises: Sequence[Exercise]) -> CheckRun:
        """Run the collected checks of ``exercises`` for one submission."""
        self.session, self.inputs = session, inputs
        outcome = CheckRun(collection_errors=list(self.collection_errors))
        self.results, self.runs = outcome.results, outcome.runs
        self.to_rejudge, self.failed_calls, self.float32_answers = {}, {}, {}
        modules = {e.module for e in exercises}
        items = [
            item
            for item in self.items
            if _exercise_of(item.module).module in modules
            and (inputs.runs_hidden_checks or not item.function.grader_check["hidden"])
        ]
        self.broken = True
        with warnings.catch_warnings():  # a learner's odd value may warn in a check: the message says what matters
            warnings.simplefilter("ignore")
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None  # None: tear every fixture down
                self.item = item
                # pytest's run of one test (setup, call, teardown, each reported), without the
                # log hooks: nothing here reads them (the terminal is off; the plugin makes the results).
                runtestprotocol(item, log=False, nextitem=following)
        self.broken = False
        return outcome

    # The fixtures read the check at hand from ``self.item``, not from pytest's ``request``: a
    # fixture that asks for ``request`` costs pytest a new fixture definition at every check.
    @pytest.fixture(scope="module")
    def ref(self):
        return self.inputs.reference(_exercise_of(self.item.module))

    @pytest.fixture(scope="module")
    def sub(self, ref):
        exercise = _exercise_of(self.item.module)
        run = self.session.open(exercise.id)
        self.runs[exercise.id] = run
        yield LearnerModule(run, ref)
        self._rejudge_callers(exercise, run, ref)
        run.close()

    @pytest.fixture
    def rng(self):
        return self.inputs.rng(_exercise_of(self.item.module), self.item.name)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item) -> None:
        run = self.runs.get(_exercise_of(item.module).id)
        if run is not None:
            run.called = set()
            run.answers.clear()  # the answers this check is given, to explain a value it could not use

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call) -> pytest.TestReport:
        """Judge the check from its outcome; the report pytest would build (keywords, captured
        sections, the failure formatted) is left out, since nothing here reads it."""
        failed = call.excinfo is not None
        if call.when == "call" or (call.when == "setup" and failed):
            self._judge(item, call)
        return pytest.TestReport(item.nodeid, item.location, {}, "failed" if failed else "passed", None, call.when)

    def _judge(self, item, call) -> None:
        """The check's result, from how its setup or call ended."""
        exercise = _exercise_of(item.module)
        meta = item.function.grader_check
        run = self.runs.get(exercise.id)
        try:
            verdict = _verdict(call.excinfo, run)
            if verdict.reason is Reason.UNUSABLE:
                verdict = self._judge_unexpected(item, exercise, call.excinfo, run, call.when)
        except Exception as error:  # judging an answer no check foresaw: this check's points wait, not the rest
            verdict = _judging_error(item.name, error)
        result = CheckResult(
            name=item.name,
            part=meta["part"],
            score=meta["points"] if verdict.status is CheckStatus.PASSED else 0.0,
            max_score=meta["points"],
            status=verdict.status,
            message=verdict.message,
            failure=verdict.failure,
            description=(item.function.__doc__ or "").strip().split("\n")[0],
            reason=verdict.reason,
            function=verdict.function,
        )
        self.results[exercise.id].append(result)
        self._note_callers(item, exercise, run, result, call.excinfo)
        if run is not None:
            run.answers.clear()  # answers may be large: keep them no longer than their check

    def _note_callers(self, item, exercise: Exercise, run: ExerciseRun | None, result: CheckResult, excinfo) -> None:
        """Remember a failed check of a caller, to judge again; and which functions failed their own checks."""
        callers = sorted(run.called & set(getattr(item.module, "CALLEES", {}))) if run else []
        if run:  # accepted at float32 precision, but a caller computing with them is no more precise than that
            imprecise = {name for name, _, value in run.answers if is_float32(value)}
            self.float32_answers.setdefault(exercise.id, set()).update(imprecise)
        if result.status is not CheckStatus.PASSED and run:
            # A check of callers blames the callers alone (each may be another's callee): a callee
            # it also called is judged by its own checks.
            self.failed_calls.setdefault(exercise.id, set()).update(callers or run.called)
        learner_mistake = excinfo is not None and excinfo.errisinstance((CheckFailed, LearnerFault))
        if callers and (learner_mistake or self.inputs.rejudges_every_caller):
            self.to_rejudge.setdefault(exercise.id, []).append((item, result, callers))

    def _rejudge_callers(self, exercise: Exercise, run: ExerciseRun, ref) -> None:
        """Judge failed checks of callers again with right callees, after every other check of the exercise.

        Last, so that nothing the learner's code learns from the callees' answers reaches another verdict.
        """
        ended = run.status, run.message, dict(run.not_run_again)
        run.rejudging = True  # a timeout here gets no fresh start: the verdicts are made
        try:
            failed = self.failed_calls.get(exercise.id, set())  # only a callee its own checks found wrong is to blame
            imprecise = self.float32_answers.get(exercise.id, set()) - failed  # ... or one that answered in float32
            suspected = failed | imprecise
            for item, result, callers in self.to_rejudge.pop(exercise.id, []):
                # Only suspects answer right (every callee where the inputs are recorded): a callee that
                # passed its own checks stays the learner's, wrong or not where the caller calls it.
                substituted = {
                    caller: tuple(
                        c for c in item.module.CALLEES[caller] if self.inputs.substitutes_every_callee or c in suspected
                    )
                    for caller in callers
                }
                callees = RightCallees(ref, substituted)
                suspects = sorted(callees.allowed & suspected)
                if run.status != RUNNING or not (suspects or self.inputs.rejudges_every_caller):
                    continue
                fixtures = {"sub": LearnerModule(run, ref, callees), "ref": ref}
                fixtures["rng"] = self.inputs.rng_again(exercise, item.name)
                try:
                    _call_check(item.function, fixtures)
                except Exception:  # wrong even with right callees, stopped, or unrecorded: the verdict stands
                    if callees.not_recorded and result.status is not CheckStatus.PASSED:
                        carried.cannot_tell(result, suspects)
                    continue
                wrong = [name for name in callees.answered if name in failed]
                float32 = [name for name in callees.answered if name in imprecise]
                if result.status is not CheckStatus.PASSED and wrong:
                    carried.inherit(result, callers, wrong)
                elif result.status is not CheckStatus.PASSED and float32:
                    carried.inherit_precision(result, callers, float32)
        finally:  # a judgement again never changes how the exercise ended
            run.status, run.message, run.not_run_again = ended
            run.rejudging = False

    def _judge_unexpected(self, item, exercise: Exercise, excinfo, run: ExerciseRun | None, when: str) -> Verdict:
        """Whose fault is an exception the check did not expect: the learner's value, or the check's code?

        Raised while the check was being set up (its inputs, its reference), before it called any
        of the learner's functions, or again when the check runs on the reference's answers, it is
        the grader's; otherwise the learner's value stopped it, and the message says what was wrong
        with that value.
        """
        error = excinfo.value
        if when != "call" or run is None or not run.called:  # no answer of the learner's to blame
            return _check_error(item.name, error, _grader_frame(excinfo))
        reference_run = self._reference_run(exercise)
        if reference_run is not None and self._fails_on_reference(item, exercise, reference_run):
            return _check_error(item.name, error, _grader_frame(excinfo))
        what = _unusable_answer(run.answers, reference_run.answers if reference_run else [])
        message = f"Could not use your answer: {what}(the check stopped at {_exception(error)})."
        return Verdict(CheckStatus.ERROR, message, Reason.UNUSABLE)

    def _reference_run(self, exercise: Exercise) -> ReferenceRun | None:
        """The reference answering in the grader's process, at the run's hidden inputs, recording nothing.

        A public run has no reference to try.
        """
        if not isinstance(self.inputs, HiddenInputs):
            return None
        return ReferenceRun(HiddenInputs(self.inputs.seed).reference(exercise))

    def _fails_on_reference(self, item, exercise: Exercise, reference_run: ReferenceRun | None = None) -> bool:
        """Whether the check also raises with the reference's answers: then the fault is its own.

        Tried at the run's hidden inputs, recording nothing; a public run has no reference to try.
        """
        reference_run = reference_run or self._reference_run(exercise)
        if reference_run is None:
            return False
        ref = reference_run.reference
        rng = HiddenInputs(self.inputs.seed).rng(exercise, item.name)  # the same draws again
        fixtures = {"sub": LearnerModule(reference_run, ref), "ref": ref, "rng": rng}
        try:
            _call_check(item.function, fixtures)
        except AssertionError:  # a verdict on the reference's answer, not a fault of the check's code
            return False
        except Exception:
            return True
        return False

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")


class Check(pytest.Function):
    """A check, as pytest runs it: a plain test function whose failure is reported in one line.

    The plugin writes every message itself from the exception; pytest's own report of a
    failure (the traceback, filtered and formatted) would be built and thrown away.
    """

    def repr_failure(self, excinfo) -> str:
        return excinfo.exconly()

    @functools.cached_property
    def ihook(self):
        """pytest's hooks for this check, looked up once: the conftest files they depend on are loaded at collection."""
        return super().ihook


def _call_check(function, fixtures: dict) -> None:
    """Run a check function with the fixtures it asks for (outside pytest: a second judgement)."""
    function(**{name: fixtures[name] for name in inspect.signature(function).parameters})


def _exercise_of(module) -> Exercise:
    return _exercise_at(module.__file__)


@functools.cache
def _exercise_at(path: str) -> Exercise:
    stem = Path(path).stem
    return next(e for e in EXERCISES if e.module == stem)


@dataclass
class Verdict:
    """How one check ended, before it is scored."""

    status: CheckStatus
    message: str = ""
    reason: Reason | None = None
    failure: Failure | None = None
    function: str = ""


def _verdict(excinfo, run: ExerciseRun | None) -> Verdict:
    if excinfo is None:
        return Verdict(CheckStatus.PASSED)
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return Verdict(CheckStatus.FAILED, error.message, Reason.WRONG, error.failure)
    if isinstance(error, ExerciseStopped):
        if run is not None and run.status == ExerciseStatus.TIMEOUT:
            return Verdict(CheckStatus.TIMEOUT, str(error), Reason.TIMEOUT)
        if run is not None and run.status == ExerciseStatus.GRADER_ERROR:
            return Verdict(CheckStatus.GRADER_ERROR, str(error), Reason.GRADER_ERROR)
        return Verdict(CheckStatus.ERROR, str(error), Reason.STOPPED)
    if isinstance(error, LearnerFault):
        status = CheckStatus.TIMEOUT if error.reason is Reason.TIMEOUT else CheckStatus.ERROR
        return Verdict(status, str(error), error.reason, function=error.function)
    if isinstance(error, NotRecorded):
        message = f"This check cannot run on the public inputs ({error}); the instructor's grading runs it."
        return Verdict(CheckStatus.ERROR, message, Reason.NOT_RECORDED)
    if isinstance(error, AssertionError):
        return Verdict(CheckStatus.FAILED, str(error), Reason.WRONG)
    # An exception in the check itself: a learner's value it could not use, unless it fails on the reference too.
    return Verdict(CheckStatus.ERROR, f"could not use your answer ({type(error).__name__}: {error})", Reason.UNUSABLE)


def _check_error(name: str, error: BaseException, where: str = "") -> Verdict:
    message = (
        f"Grader error in {name} ({_exception(error)}{where}): the grader's own code failed (it fails on the"
        " reference's answers too, or before any answer). This is not a fault in your answer: these points are"
        " not decided yet; please tell your instructor."
    )
    return Verdict(CheckStatus.GRADER_ERROR, message, Reason.CHECK_ERROR)


def _judging_error(name: str, error: BaseException) -> Verdict:
    message = (
        f"Grader error in {name} ({_exception(error)}): the grader could not judge your answer here. This is"
        " not counted against you: these points are not decided yet; please tell your instructor."
    )
    return Verdict(CheckStatus.GRADER_ERROR, message, Reason.CHECK_ERROR)


def _exception(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _grader_frame(excinfo) -> str:
    """Where in the grader's code the exception was raised, as " in file.py line N"."""
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path))
        if "grader" in path.parts:
            return f" in {path.name} line {entry.lineno + 1}"
    return ""


def _unusable_answer(learner: list[tuple], reference: list[tuple]) -> str:
    """The first of the learner's answers whose kind or shape differs from the reference's answer."""
    expected = {(name, repr(args)): value for name, args, value in reference}
    described = ""
    for name, args, value in learner:
        key = (name, repr(args))
        reason = unusable_reason(value, expected[key]) if key in expected else unusable_reason(value, None)
        if reason:
            return f"{name} {reason} "
        described = described or f"{name} returned {format_value(value)} "
    return described


# pytest's plugins that checks do not use (they use no capsys, caplog, tmp_path, skip marks, nor
# the terminal: the plugin builds its own messages). Each costs hook calls on every check run.
UNUSED_PLUGINS = (
    "cacheprovider", "unraisableexception", "threadexception",  # both run gc.collect() per test
    "terminal", "capture", "logging", "warnings", "skipping", "faulthandler", "debugging",
    "pastebin", "junitxml", "doctest", "legacypath", "tmpdir", "monkeypatch", "recwarn",
    "stepwise", "setuponly", "setupplan", "unittest", "subtests",
)  # fmt: skip
_collected: CheckPlugin | None = None  # the pytest session this process is running a body in, if any


def run_checks(
    session: Session, inputs: HiddenInputs | PublicInputs, exercises: Sequence[Exercise] = EXERCISES
) -> CheckRun:
    """Run the exercises' checks against the session's worker; return the collected results."""
    if _collected is not None and _collected.covers(exercises):
        return _collected.run(session, inputs, exercises)
    return with_collected_checks(lambda: run_checks(session, inputs, exercises), exercises)


def with_collected_checks(body: Callable[[], T], exercises: Sequence[Exercise] = EXERCISES) -> T:
    """Call ``body`` inside one pytest session that collected the checks of ``exercises``.

    Every ``run_checks`` of those exercises during ``body`` reuses the collected checks, so a
    process grading many submissions pays pytest's start-up and collection once. Returns what
    ``body`` returns and raises what it raises.
    """
    plugin = CheckPlugin(exercises, body)
    args = [
        *(str(e.check_module_path) for e in exercises),
        "--import-mode=importlib",
        "--rootdir", str(CHECKS_DIR),
        "--confcutdir", str(CHECKS_DIR),
        "-c", os.devnull,
        "-o", "addopts=",
        *(word for name in UNUSED_PLUGINS for word in ("-p", f"no:{name}")),
    ]  # fmt: skip
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # third-party plugins cost start-up time
    try:
        code = pytest.main(args, plugins=[plugin])
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    if plugin.error is not None:
        raise plugin.error
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt  # pytest swallowed Ctrl-C: stop grading, write nothing partial
    if not plugin.ran:
        raise RuntimeError(f"pytest could not run the checks (exit status {code!r})")
    return plugin.outcome
