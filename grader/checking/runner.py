"""Running the exercise checks with pytest, in the grader's own process, for one submission.

The check modules in ``grader/exercises`` are ordinary pytest modules whose checks are marked
with ``@check``. This module's plugin collects exactly those, gives them their fixtures (``sub``:
the learner's module in the worker; ``ref``: the reference; ``rng``: a seeded generator, both
from the run's inputs, hidden or public: see ``grader.public``) and turns every outcome into a
``CheckResult``. pytest runs no learner code: ``sub`` forwards calls
to the isolated worker and brings back plain data.
"""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from grader.checking.checks import CheckFailed
from grader.checking.diagnose import format_value, unusable_reason
from grader.checking.inputs import HiddenInputs, NotRecorded, PublicInputs
from grader.checking.session import (
    ExerciseRun,
    ExerciseStopped,
    LearnerError,
    LearnerModule,
    ReferenceStandIn,
    Session,
)
from grader.course import CHECKS_DIR, EXERCISES, Exercise
from grader.model import CHECK_ERROR, GRADER_ERROR, CheckResult

UNEXPECTED = "unexpected"  # an exception the check did not expect: whose fault is decided after a re-run


class CheckPlugin:
    """Fixtures and outcome collection for one grading run."""

    def __init__(self, session: Session, inputs: HiddenInputs | PublicInputs):
        self.session = session
        self.inputs = inputs
        self.results: dict[str, list[CheckResult]] = {e.id: [] for e in EXERCISES}
        self.runs: dict[str, ExerciseRun] = {}
        self.collection_errors: list[str] = []

    def pytest_configure(self, config) -> None:
        config.addinivalue_line("markers", "grader_check(part, points): a graded check")

    def pytest_pycollect_makeitem(self, collector, name, obj):
        if inspect.isfunction(obj) and hasattr(obj, "grader_check"):
            if obj.grader_check["hidden"] and not self.inputs.runs_hidden_checks:
                return []
            return [pytest.Function.from_parent(collector, name=name)]
        return None

    @pytest.fixture(scope="module")
    def ref(self, request):
        return self.inputs.reference(_exercise_of(request.module))

    @pytest.fixture(scope="module")
    def sub(self, request, ref):
        exercise = _exercise_of(request.module)
        run = self.session.open(exercise.id)
        self.runs[exercise.id] = run
        yield LearnerModule(run, ref)
        self.session.close(run)

    @pytest.fixture
    def rng(self, request):
        return self.inputs.rng(_exercise_of(request.module), request.node.name)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        run = self.runs.get(_exercise_of(item.module).id)
        if run is not None:
            run.answers.clear()  # the answers this check is given, to explain a value it could not use
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "call" or (report.when == "setup" and report.failed):
            meta = item.function.grader_check
            run = self.runs.get(_exercise_of(item.module).id)
            status, message, details, reason = _verdict(call.excinfo, run)
            if status == UNEXPECTED:
                status, message, reason = self._judge_unexpected(item, call.excinfo, run, report.when)
            score = meta["points"] if status == "passed" else 0.0
            description = (item.function.__doc__ or "").strip().split("\n")[0]
            self.results[_exercise_of(item.module).id].append(
                CheckResult(
                    item.name, meta["part"], score, meta["points"], status, message, details, description, reason
                )
            )
            if run is not None:
                run.answers.clear()  # answers may be large: keep them no longer than their check

    def _judge_unexpected(self, item, excinfo, run: ExerciseRun | None, when: str) -> tuple[str, str, str]:
        """Whose fault is an exception the check did not expect: the learner's value, or the check's code?

        The check runs again with the reference in place of the learner's functions. If it passes,
        the learner's value stopped it; if it raises again, or raised while being set up, the fault
        is the grader's.
        """
        error = excinfo.value
        if when == "call" and run is not None:
            stand_in = ReferenceStandIn(self._plain_inputs().reference(_exercise_of(item.module)))
            rerun_error = self._rerun(item, stand_in)
            if rerun_error is None or isinstance(rerun_error, NotRecorded):
                what = _unusable_answer(run.answers, stand_in.answers if rerun_error is None else [])
                return "failed", f"Could not use your answer: {what}(the check stopped at {_exception(error)}).", ""
        where = _grader_frame(excinfo)
        return (
            GRADER_ERROR,
            f"Grader error: the check itself failed ({_exception(error)}{where}). This is a fault in the grader, "
            "not in your answer: report it to your instructor; these points are not yet decided.",
            CHECK_ERROR,
        )

    def _plain_inputs(self) -> HiddenInputs | PublicInputs:
        """The run's inputs without recording: a re-run must not extend a public recording."""
        return HiddenInputs(self.inputs.seed) if isinstance(self.inputs, HiddenInputs) else self.inputs

    def _rerun(self, item, stand_in: ReferenceStandIn) -> BaseException | None:
        exercise = _exercise_of(item.module)
        arguments = dict(item.funcargs)
        arguments["sub"] = stand_in
        if "rng" in arguments:
            arguments["rng"] = self._plain_inputs().rng(exercise, item.name)  # the same draws again
        try:
            item.function(**{name: arguments[name] for name in item._fixtureinfo.argnames})
        except Exception as error:  # noqa: BLE001 - any exception is the verdict being asked for
            return error
        return None

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")


def _exercise_of(module):
    stem = Path(module.__file__).stem
    return next(e for e in EXERCISES if e.module == stem)


def _verdict(excinfo, run: ExerciseRun | None) -> tuple[str, str, dict, str]:
    """(status, message, details, reason) of a check's outcome."""
    if excinfo is None:
        return "passed", "", {}, ""
    error = excinfo.value
    if isinstance(error, CheckFailed):
        return "failed", error.message, error.details, ""
    if isinstance(error, ExerciseStopped):
        return (run.status if run and run.status in ("timeout", "error") else "error"), str(error), {}, ""
    if isinstance(error, LearnerError):
        return "error", str(error), {}, error.reason
    if isinstance(error, NotRecorded):
        message = f"This check cannot run on the public inputs ({error}); the instructor's grading runs it."
        return "error", message, {}, ""
    if isinstance(error, AssertionError):
        return "failed", str(error), {}, ""
    return UNEXPECTED, "", {}, ""  # the check's code raised: judged by running it with the reference


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


def run_checks(
    session: Session, inputs: HiddenInputs | PublicInputs, exercises: Sequence[Exercise] = EXERCISES
) -> CheckPlugin:
    """Run the exercises' checks against the session's worker; return the collected results."""
    plugin = CheckPlugin(session, inputs)
    args = [
        *(str(e.check_module_path) for e in exercises),
        "-p", "no:cacheprovider",
        "-p", "no:unraisableexception",  # both run gc.collect() per test: most of pytest's cost here
        "-p", "no:threadexception",
        "--import-mode=importlib",
        "--rootdir", str(CHECKS_DIR),
        "--confcutdir", str(CHECKS_DIR),
        "-c", os.devnull,
        "-o", "addopts=",
        "-q", "-s", "--tb=no",  # the plugin builds its own messages; pytest's tracebacks cost most of the time
    ]  # fmt: skip
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # third-party plugins cost start-up time
    try:
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            code = pytest.main(args, plugins=[plugin])
        if code == pytest.ExitCode.INTERRUPTED:
            raise KeyboardInterrupt  # pytest swallowed Ctrl-C: stop grading, write nothing partial
    finally:
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    return plugin
