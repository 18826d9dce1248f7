"""The byte format spoken between the grader and its worker: JSON plus raw float arrays.

A frame is ``MAGIC | header length (4 bytes) | blob length (8 bytes) | JSON header | blob``.
Values are plain JSON, except for a few tagged objects:

- ``{"$array": {"dtype", "shape", "offset", "nbytes"}}``: an array whose bytes sit in the blob;
- ``{"$float": "nan" | "inf" | "-inf"}``: a non-finite float (JSON has none);
- ``{"$float32": x}``: a float32 (or float16) scalar, so that it is judged at its own precision;
- ``{"$tuple": [...]}``: a tuple, so an answer like ``(theta_max, theta_min)`` keeps its kind;
- ``{"$fn": "lambda x, y: ..."}``: a trusted function sent to the learner's code as source;
- ``{"$unsupported": "TypeName", "repr": "..."}``: a value that is not plain data.

No pickle and no objects cross the boundary. This module is also loaded by the worker on its
own (it imports nothing but the standard library and NumPy), so it must stay self-contained.
The decoder trusts nothing: sizes are capped, dtypes whitelisted, and every shape checked
against the bytes it claims.
"""

from __future__ import annotations

import json
import math
import struct

import numpy as np

MAGIC = b"GRW1"
_PREFIX = struct.Struct(">4sIQ")
MAX_HEADER_BYTES = 4 * 1024 * 1024  # a reply's JSON: the grader parses it, so it stays small
MAX_REQUEST_HEADER_BYTES = 64 * 1024 * 1024  # the grader's own requests may carry large notebook cells
MAX_BLOB_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
_DTYPES = {"float64": np.float64, "float32": np.float32, "int64": np.int64, "bool": np.bool_}
_SINGLE = (np.float32, np.float16)  # kept as float32, so the grader can judge them at their own precision


class WireError(Exception):
    """A frame or value that does not follow this format."""


class Fn:
    """A trusted function sent by source, e.g. ``Fn("lambda x, y: np.sin(x * y)")``.

    On the grader's side it is callable (evaluated with ``np`` and ``math`` in scope); the
    worker rebuilds it from the same source, so both sides differentiate the same function.
    """

    def __init__(self, source: str):
        self.source = source
        self._fn = eval(source, {"np": np, "math": math})  # trusted source written by instructors

    def __call__(self, *args):
        return self._fn(*args)

    def __repr__(self) -> str:
        return self.source


# ---------------------------------------------------------------- encoding


def encode(value, blob: bytearray, depth: int = 0):
    """Turn ``value`` into JSON-ready data, appending array bytes to ``blob``."""
    kind = type(value)
    if kind is float:  # the common leaves first, by exact type: most of a message is floats
        return value if math.isfinite(value) else _encode_float(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if kind is np.ndarray:  # then the common containers, by exact type; subclasses take the checks below
        return _encode_array(value, blob)
    if kind is list:
        return [encode(v, blob, depth + 1) for v in value]
    if kind is tuple:
        return {"$tuple": [encode(v, blob, depth + 1) for v in value]}
    if kind is dict:
        return _encode_dict(value, blob, depth)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, Fn):
        return {"$fn": value.source}
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, _SINGLE):
        return {"$float32": _encode_float(float(value))}
    if isinstance(value, (float, np.floating)):
        return _encode_float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value, blob)
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, blob, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, blob, depth + 1) for v in value]
    if isinstance(value, dict):
        return _encode_dict(value, blob, depth)
    return {"$unsupported": type(value).__name__, "repr": _short_repr(value)}


def _encode_dict(value: dict, blob: bytearray, depth: int):
    keys = [str(k) for k in value]
    if any(k.startswith("$") for k in keys):  # would read as a tag: sent as what it is, a dict
        return {"$unsupported": type(value).__name__, "repr": _short_repr(value)}
    return {k: encode(v, blob, depth + 1) for k, v in zip(keys, value.values())}


def _encode_float(x: float):
    if math.isfinite(x):
        return x
    return {"$float": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _encode_array(array: np.ndarray, blob: bytearray):
    array = np.ndarray.view(array, np.ndarray)  # drop any subclass and its overridden methods
    kind = array.dtype.kind  # what np.issubdtype would say, at a fraction of its cost
    if kind == "b":
        dtype = "bool"
    elif kind in "ium":  # signed, unsigned, and timedelta (NumPy counts it an integer)
        dtype = "int64"
    elif array.dtype.type in _SINGLE:
        dtype = "float32"
    elif kind == "f":
        dtype = "float64"
    else:
        return {"$unsupported": f"ndarray of {array.dtype}", "repr": _short_repr(array)}
    data = np.ascontiguousarray(array, dtype=_DTYPES[dtype]).tobytes()
    offset = len(blob)
    blob += data
    return {"$array": {"dtype": dtype, "shape": list(array.shape), "offset": offset, "nbytes": len(data)}}


def _short_repr(value) -> str:
    try:
        text = repr(value)
    except BaseException:  # a learner's __repr__ may raise anything
        text = "<unprintable>"
    return text if len(text) <= 200 else text[:200] + "..."


def pack(message: dict) -> bytes:
    """Encode a message (a dict of values) into one frame."""
    blob = bytearray()
    header = json.dumps(encode(message, blob), allow_nan=False).encode()
    return _PREFIX.pack(MAGIC, len(header), len(blob)) + header + bytes(blob)


def functions_sent(value, depth: int = 0) -> dict[str, Fn]:
    """The trusted functions in a request, by source: the only ones a reply may carry back.

    A caller judged with right callees hands the grader the function it was given (a gradient
    check's ``f``); the grader takes back its own ``Fn`` by source and never evaluates the text.
    """
    if isinstance(value, Fn):
        return {value.source: value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    found: dict[str, Fn] = {}
    for item in items if depth < MAX_DEPTH else ():
        found.update(functions_sent(item, depth + 1))
    return found


def returning(functions: dict[str, Fn]):
    """A ``make_fn`` for ``unpack`` on the grader's side: only functions the grader sent come back."""

    def known(source: str) -> Fn:
        if source not in functions:
            raise WireError("a function the grader did not send")
        return functions[source]

    return known


# ---------------------------------------------------------------- decoding


def read_prefix(data: bytes, max_header: int = MAX_HEADER_BYTES) -> tuple[int, int]:
    """Validate a frame prefix and return (header length, blob length)."""
    if len(data) != _PREFIX.size:
        raise WireError(f"frame prefix of {len(data)} bytes, not {_PREFIX.size}")
    magic, header_len, blob_len = _PREFIX.unpack(data)
    if magic != MAGIC:
        raise WireError("reply does not start with the frame marker")
    if header_len > max_header or blob_len > MAX_BLOB_BYTES:
        raise WireError(f"reply too large ({header_len} + {blob_len} bytes)")
    return header_len, blob_len


PREFIX_SIZE = _PREFIX.size


_JSON_LEAVES = frozenset({float, int, str, bool, type(None)})  # what json.loads makes besides lists and dicts


def unpack(header: bytes, blob: bytes, make_fn=None) -> dict:
    """Decode a frame body. ``make_fn`` turns ``{"$fn": src}`` into a callable (worker side)."""
    try:
        data = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"reply is not JSON: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise WireError("reply is not a JSON object")
    try:
        return _decode(data, _Blob(blob), make_fn, 0)
    except (OverflowError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        raise WireError(f"reply cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}") from None


class _Blob:
    """A frame's binary part, and how many of its bytes no array has taken yet.

    The packer gives every array bytes of its own; a forged frame whose arrays share bytes would
    otherwise decode one blob into thousands of copies (a 4 MiB header holds 45,000 of them).
    """

    __slots__ = ("data", "untaken")

    def __init__(self, data: bytes):
        self.data, self.untaken = data, len(data)


def _decode(value, blob: _Blob, make_fn, depth: int):
    if type(value) in _JSON_LEAVES:
        return value
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if isinstance(value, list):
        return [_decode(v, blob, make_fn, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise WireError(f"unexpected JSON value {type(value).__name__}")
    if "$array" in value:
        return _decode_array(value["$array"], blob)
    if "$float" in value:
        text = value["$float"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError(f"bad non-finite float {str(text)[:20]!r}")
        return float(text)
    if "$float32" in value:
        number = _decode(value["$float32"], blob, make_fn, depth + 1)
        if type(number) is not float:
            raise WireError("$float32 must hold a float")
        return np.float32(number)
    if "$tuple" in value:
        items = value["$tuple"]
        if not isinstance(items, list):
            raise WireError("$tuple must hold a list")
        return tuple(_decode(v, blob, make_fn, depth + 1) for v in items)
    if "$fn" in value:
        if make_fn is None:
            raise WireError("functions are only sent to the worker, never back")
        return make_fn(str(value["$fn"]))
    if "$unsupported" in value:
        return Unsupported(str(value["$unsupported"]), str(value.get("repr", ""))[:200])
    return {str(k): _decode(v, blob, make_fn, depth + 1) for k, v in value.items()}


def _decode_array(spec, blob: _Blob) -> np.ndarray:
    try:
        dtype = _DTYPES[spec["dtype"]]
        shape = tuple(int(n) for n in spec["shape"])
        offset, nbytes = int(spec["offset"]), int(spec["nbytes"])
    except (KeyError, TypeError, ValueError):
        raise WireError(f"malformed array description {str(spec)[:100]}") from None
    if any(n < 0 for n in shape) or len(shape) > 32:
        raise WireError(f"bad array shape (of {len(shape)} dimensions)")
    expected = math.prod(shape) * np.dtype(dtype).itemsize
    if nbytes != expected or offset < 0 or offset + nbytes > len(blob.data):
        raise WireError(f"array of {len(shape)} dimensions does not match its {nbytes} bytes")
    if nbytes > blob.untaken:
        raise WireError("the frame's arrays take more bytes than it holds (arrays sharing bytes)")
    blob.untaken -= nbytes
    return np.frombuffer(blob.data, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape).copy()


class Unsupported:
    """Stands in for a learner's value that is not plain data (an object, a dict, a complex)."""

    def __init__(self, type_name: str, text: str):
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"
