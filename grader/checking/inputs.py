"""The inputs a grading run uses, hidden or public, and the reference as each run sees it.

``HiddenInputs`` is the instructor's grading: the reference itself, random inputs seeded from
the submission. ``Recording`` is a hidden-input run that also records every random draw and
every reference answer, at the public seed; ``PublicInputs`` replays such a recording in a
student's repository, where there is no reference. Checks see none of this: they get ``ref``
and ``rng`` from the run's inputs.
"""

from __future__ import annotations

import hashlib
import inspect
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from grader.course import Exercise, load_every_reference, load_reference
from grader.isolation import wire

PUBLIC_SEED = 20260901


class NotRecorded(LookupError):
    """A public run asked the reference something the recording does not hold."""


class HiddenInputs:
    """The instructor's grading: the reference itself, inputs seeded from the submission."""

    kind = "hidden"
    runs_hidden_checks = True
    rejudges_every_caller = False  # only a failed check of a caller is judged again with right callees
    substitutes_every_callee = False  # ... and only its suspect callees answer right

    def __init__(self, seed: int):
        self.seed = seed
        load_every_reference()  # before the worker runs any learner code

    def reference(self, exercise: Exercise):
        return load_reference(exercise)

    def rng(self, exercise: Exercise, check_name: str):
        return np.random.default_rng([self.seed, zlib.crc32(check_name.encode())])

    def rng_again(self, exercise: Exercise, check_name: str):
        """The same draws again, for a check judged a second time."""
        return HiddenInputs.rng(self, exercise, check_name)


class Recording(HiddenInputs):
    """A hidden-input run that also records what a public run needs (so: without hidden checks)."""

    runs_hidden_checks = False
    rejudges_every_caller = True  # so that the callees' answers at the reference callers' arguments are kept
    substitutes_every_callee = True

    def __init__(self, seed: int = PUBLIC_SEED):
        super().__init__(seed)
        self.data: dict = {"seed": seed, "parameters": {}, "constants": {}, "answers": {}, "draws": {}}
        self._first_caller: dict[str, dict[str, str]] = {}  # per module: rounded key -> the exact key it stands for

    def reference(self, exercise: Exercise):
        tables = [self.data[table].setdefault(exercise.module, {}) for table in ("answers", "parameters", "constants")]
        first_caller = self._first_caller.setdefault(exercise.module, {})
        return _RecordingModule(load_reference(exercise), *tables, first_caller)

    def rng(self, exercise: Exercise, check_name: str):
        draws = self.data["draws"].setdefault(f"{exercise.module}::{check_name}", [])
        return _RecordingGenerator(super().rng(exercise, check_name), draws)

    def save(self, path: Path) -> None:
        path.write_bytes(wire.pack(self.data))


class PublicInputs:
    """A public run: recorded draws and recorded reference answers, no reference code."""

    kind = "public"
    runs_hidden_checks = False
    rejudges_every_caller = False
    # Recorded answers lie along the path the recording took, where every callee answered right.
    substitutes_every_callee = True

    def __init__(self, data: dict):
        self.data = data
        self.seed = int(data["seed"])

    @classmethod
    def from_frame(cls, frame: bytes) -> PublicInputs:
        """Read a recording saved by ``Recording.save`` (one frame of the worker's wire format)."""
        header_len, blob_len = wire.read_prefix(frame[: wire.PREFIX_SIZE], wire.MAX_REQUEST_HEADER_BYTES)
        body = frame[wire.PREFIX_SIZE :]
        return cls(wire.unpack(body[:header_len], body[header_len : header_len + blob_len]))

    def reference(self, exercise: Exercise):
        tables = [self.data[table].get(exercise.module, {}) for table in ("answers", "parameters", "constants")]
        return _RecordedModule(exercise.module, *tables)

    def rng(self, exercise: Exercise, check_name: str):
        return _ReplayedGenerator(self.data["draws"].get(f"{exercise.module}::{check_name}", []))

    rng_again = rng


# ------------------------------------------------------------------ the reference, recorded and replayed


class _RecordingModule:
    """The reference, keeping each function's parameters, each constant and each answer it gives."""

    def __init__(self, module, answers: dict, parameters: dict, constants: dict, first_caller: dict):
        self._module, self._answers, self._parameters, self._constants = module, answers, parameters, constants
        self._first_caller = first_caller

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if not callable(value):  # a constant of the reference (a tolerance, a default): public data too
            self._constants[name] = _fresh(value)
            return value
        signature = inspect.signature(value)
        self._parameters[name] = list(signature.parameters)

        def recorded(*args):
            answer = value(*args)
            exact, *rounded = call_keys(name, args)
            self._answers.setdefault(exact, _fresh(answer))
            for key in rounded:
                if self._first_caller.setdefault(key, exact) == exact:
                    self._answers.setdefault(key, _fresh(answer))
                else:  # two inputs this close (an optimiser converging): only their exact keys tell them apart
                    self._first_caller[key] = ""
                    self._answers.pop(key, None)
            return answer

        recorded.__signature__, recorded.__name__ = signature, name
        setattr(self, name, recorded)  # later look-ups skip __getattr__: checks call the reference in loops
        return recorded


class _RecordedModule:
    """Stands in for the reference in a public run: its recorded parameters, constants and answers."""

    def __init__(self, module: str, answers: dict, parameters: dict, constants: dict):
        self._module, self._answers, self._parameters, self._constants = module, answers, parameters, constants

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._constants:
            return _fresh(self._constants[name])
        if name not in self._parameters:
            raise AttributeError(f"the public checks recorded no function {name!r} of {self._module}")

        def replayed(*args):
            for key in call_keys(name, args):
                if key in self._answers:
                    return _fresh(self._answers[key])
            raise NotRecorded(f"{name} at an input the public checks did not record")

        replayed.__signature__ = inspect.Signature(
            [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in self._parameters[name]]
        )
        replayed.__name__ = name
        setattr(self, name, replayed)  # later look-ups skip __getattr__: checks call the reference in loops
        return replayed


class _RecordingGenerator:
    def __init__(self, generator: np.random.Generator, draws: list):
        self._generator, self._draws = generator, draws

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self._generator, name)

        def drawn(*args, **kwargs):
            value = method(*args, **kwargs)
            self._draws.append({"method": name, "value": _fresh(value)})  # checks may shift it in place
            return value

        return drawn


class _ReplayedGenerator:
    def __init__(self, draws: list):
        self._draws = iter(draws)

    def __getattr__(self, name: str) -> Callable:
        def drawn(*args, **kwargs):
            draw = next(self._draws, None)
            if draw is None or draw["method"] != name:
                raise NotRecorded(f"a random draw ({name}) the public checks did not record")
            return _fresh(draw["value"])

        return drawn


def _fresh(value):
    """A copy of a recorded value, so a check that modifies it cannot change the recording."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


# ------------------------------------------------------------------ call keys


def call_keys(function: str, args: tuple) -> tuple[str, str, str]:
    """Three keys for a call: its exact arguments, then two that survive last-bit differences.

    The public inputs are replayed bit for bit, but what a check computes from them (a cosine, a
    matrix product) may differ in the last bits from one libm or BLAS to another. So besides the
    exact key, floats are rounded to 32 of their 52 mantissa bits, on two grids offset by half a
    step: a value that sits on a rounding boundary of one grid is far from the other's, so an
    answer is stored under both keys and found under either. Where two recorded inputs share a
    rounded key (the steps of a converging optimiser), it answers for neither: only the exact key.
    """
    return tuple(_key(function, args, offset) for offset in (None, 0, 1 << (_DROPPED_BITS - 1)))


_DROPPED_BITS = 20


def _key(function: str, args: tuple, offset: int | None) -> str:
    digest = hashlib.blake2b(digest_size=12)
    _feed(digest, args, offset)
    return f"{function}:{digest.hexdigest()}"


def _feed(digest, value, offset: int | None) -> None:
    if isinstance(value, (bool, np.bool_)):
        digest.update(b"b1" if value else b"b0")
    elif isinstance(value, (int, np.integer)):
        digest.update(b"i%d;" % int(value))
    elif isinstance(value, (float, np.floating)):
        digest.update(b"f" + _rounded(np.array([value], dtype=np.float64), offset))
    elif isinstance(value, np.ndarray):
        digest.update(f"a{value.dtype.kind}{value.shape};".encode())
        if value.dtype.kind == "f":
            digest.update(_rounded(value.astype(np.float64), offset))
        else:
            digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (tuple, list)):
        digest.update(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            _feed(digest, item, offset)
        digest.update(b")")
    elif isinstance(value, wire.Fn):
        digest.update(b"fn" + value.source.encode())
    elif callable(value):  # two lambdas would share a key, and a replay would answer for the wrong one
        raise TypeError("a reference function got a plain Python function: pass Fn(source) so public runs can key it")
    else:
        digest.update(repr(value).encode())


def _rounded(values: np.ndarray, offset: int | None) -> bytes:
    """The floats' bits, rounded on the grid ``offset`` gives, or exact for None."""
    bits = (np.ascontiguousarray(values, dtype=np.float64) + 0.0).view(np.int64)  # + 0.0: -0.0 becomes 0.0
    return bits.tobytes() if offset is None else ((bits + offset) >> _DROPPED_BITS).tobytes()
