"""The worker's reply channel: plain data both ways, and a decoder that trusts nothing."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from grader.isolation import wire


def roundtrip(value):
    frame = wire.pack({"value": value})
    header_len, blob_len = wire.read_prefix(frame[: wire.PREFIX_SIZE])
    body = frame[wire.PREFIX_SIZE :]
    return wire.unpack(body[:header_len], body[header_len : header_len + blob_len])["value"]


def test_plain_values_roundtrip():
    assert roundtrip(1.5) == 1.5 and roundtrip(3) == 3 and roundtrip(None) is None
    assert roundtrip((1.0, 2.0)) == (1.0, 2.0)
    assert math.isnan(roundtrip(float("nan"))) and roundtrip(float("-inf")) == -math.inf
    array = np.arange(6.0).reshape(2, 3)
    assert np.array_equal(roundtrip(array), array)
    assert roundtrip(np.arange(3)).dtype == np.int64


@pytest.mark.parametrize(
    ("dtype", "arrives_as"),
    [
        (np.bool_, np.bool_),
        (np.int8, np.int64),
        (np.uint32, np.int64),
        (np.float16, np.float32),
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.longdouble, np.float64),
    ],
)
def test_arrays_arrive_as_one_of_four_dtypes(dtype, arrives_as):
    sent = np.array([[1, 0], [2, 3]], dtype=dtype)
    value = roundtrip(sent)
    assert value.dtype == arrives_as and np.array_equal(value, sent.astype(arrives_as))


@pytest.mark.parametrize("dtype", [np.complex128, object, "U3", "datetime64[s]", [("a", float)]])
def test_arrays_of_other_dtypes_are_not_numbers(dtype):
    assert isinstance(roundtrip(np.zeros(2, dtype=dtype)), wire.Unsupported)


def test_objects_do_not_cross():
    class Liar:
        def __eq__(self, other):
            return True

    value = roundtrip(Liar())
    assert isinstance(value, wire.Unsupported) and value.type_name == "Liar"
    assert isinstance(roundtrip(np.array([1 + 2j])), wire.Unsupported)


def test_ndarray_subclasses_arrive_as_plain_arrays():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    value = roundtrip(np.zeros(2).view(Lying))
    assert type(value) is np.ndarray


def test_functions_are_never_accepted_from_the_worker():
    header = json.dumps({"value": {"$fn": "lambda: 1"}}).encode()
    with pytest.raises(wire.WireError):
        wire.unpack(header, b"")


@pytest.mark.parametrize(
    "spec",
    [
        {"dtype": "float64", "shape": [4], "offset": 0, "nbytes": 16},  # shape disagrees with bytes
        {"dtype": "float64", "shape": [2], "offset": 8, "nbytes": 16},  # runs past the blob
        {"dtype": "object", "shape": [1], "offset": 0, "nbytes": 8},  # dtype not allowed
        {"dtype": "float64", "shape": [-1], "offset": 0, "nbytes": 8},
        {"dtype": "float64"},
    ],
)
def test_malformed_arrays_are_rejected(spec):
    header = json.dumps({"value": {"$array": spec}}).encode()
    with pytest.raises(wire.WireError):
        wire.unpack(header, bytes(16))


def test_arrays_that_share_bytes_are_rejected():
    # Each array of a frame has bytes of its own: a forged frame pointing thousands of arrays at
    # one blob would decode into thousands of copies of it.
    shared = {"$array": {"dtype": "float64", "shape": [2], "offset": 0, "nbytes": 16}}
    assert wire.unpack(json.dumps({"value": [shared]}).encode(), bytes(16))["value"][0].shape == (2,)
    with pytest.raises(wire.WireError, match="sharing bytes"):
        wire.unpack(json.dumps({"value": [shared] * 3}).encode(), bytes(16))


def test_oversized_and_foreign_frames_are_rejected():
    with pytest.raises(wire.WireError):
        wire.read_prefix(b"XXXX" + bytes(wire.PREFIX_SIZE - 4))
    with pytest.raises(wire.WireError):
        wire.read_prefix(wire._PREFIX.pack(wire.MAGIC, wire.MAX_HEADER_BYTES + 1, 0))
    with pytest.raises(wire.WireError):
        wire.unpack(b"\xff\xfe", b"")
    with pytest.raises(wire.WireError):
        wire.unpack(b"[1, 2]", b"")


def test_deep_nesting_is_rejected():
    nested = "[" * 100 + "]" * 100
    with pytest.raises(wire.WireError):
        wire.unpack(('{"value": ' + nested + "}").encode(), b"")


@pytest.mark.parametrize("key", ["$fn", "$array", "$float32", "$tuple", "$unsupported", "$anything"])
def test_a_learners_dict_with_a_tag_as_key_arrives_as_a_dict_not_a_tag(key):
    """A dict like {"$fn": ...} is an (unusable) answer, never a tagged value nor an unreadable reply."""
    value = roundtrip({key: "lambda: 0", "x": 1.0})
    assert isinstance(value, wire.Unsupported) and value.type_name == "dict" and key in value.text
    assert roundtrip({"plain": [1.0, 2]}) == {"plain": [1.0, 2]}
