"""Fuzzing what the grader parses: notebooks (grader.submissions) and replies (grader.isolation.wire).

Properties:

- ``notebook.read`` returns a ParsedNotebook or raises NotebookError, for any text;
- ``submission.load`` on any .ipynb file (any bytes) returns a Submission whose every exercise
  is code to run or missing with a reason; grading such a file ends in a result;
- ``wire.read_prefix`` and ``wire.unpack`` return values or raise WireError, for any bytes, and
  every array they return has exactly the shape and the bytes its description declares;
- a learner writing any frame into the reply pipe costs its own exercise only.

Inputs that broke these properties when this file was written (exercise numbers of 5000
digits, a 10 MB cell, prefixes of the wrong length, Infinity or huge dimensions in an array's
description, JSON nested 100,000 deep) have their own tests below; they have been fixed.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import time
from pathlib import Path

import pytest

# Hypothesis keeps caches in ./.hypothesis unless told otherwise: keep the working tree clean.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "grader-hypothesis"))
pytest.importorskip("hypothesis", reason="the fuzz tests need Hypothesis: pip install hypothesis")

import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from grader.course import EXERCISES, REFERENCE_DIR  # noqa: E402
from grader.isolation import wire  # noqa: E402
from grader.model import EXERCISE_STATUSES  # noqa: E402
from grader.submissions import loading as submission
from grader.submissions import notebook
from tests.adversarial.conftest import SOLUTION  # noqa: E402

# No example database: nothing is written into the working tree.
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
GRADING = settings(
    max_examples=5,
    deadline=None,
    database=None,
    # grade and make_folder are stateless or rewritten by every example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# ------------------------------------------------------------------ strategies

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
TAG_TEXT = st.sampled_from(["exercise-2", "exercise-02", "exercise-99", "exercise-", "exercise-x", "Exercise-2", ""])
TAGS = JSON | st.lists(TAG_TEXT | JSON, max_size=4) | st.integers(0, 12).map(lambda n: f"exercise-{n}")
SOURCE_LINES = st.sampled_from(
    [
        "# Your Solution\n",
        "# Exercise 2 - learner workspace\n",
        "# Solution\n",
        "%matplotlib inline\n",
        "!pip install numpy\n",
        "%%time\n",
        "x = !ls\n",
        "np.sum?\n",
        "import numpy as np\n",
        "def grad_f(x, y):\n    return np.array([2 * x + y, x + 2 * y])\n",
    ]
)
SOURCE = st.text(max_size=200) | st.lists(SOURCE_LINES | st.text(max_size=30), max_size=6) | JSON
CELL = st.fixed_dictionaries(
    {},
    optional={
        "cell_type": st.sampled_from(["code", "markdown", "raw"]) | JSON,
        "source": SOURCE,
        "metadata": st.fixed_dictionaries({}, optional={"tags": TAGS}) | JSON,
        "outputs": st.just([]) | JSON,
        "execution_count": st.none() | JSON,
        "id": st.text(min_size=1, max_size=10) | JSON,
    },
)
NOTEBOOK = st.fixed_dictionaries(
    {},
    optional={
        "nbformat": st.sampled_from([4, 3, 2, 1, 0, 5, -1, 99]) | JSON,
        "nbformat_minor": st.integers(-1, 10) | JSON,
        "metadata": JSON,
        "cells": st.lists(CELL | JSON, max_size=8) | JSON,
        "worksheets": st.lists(st.fixed_dictionaries({"cells": st.lists(CELL, max_size=4)}), max_size=2) | JSON,
    },
)


def solved_notebook_text(extra_cells=()) -> str:
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("import numpy as np")]
    for exercise in EXERCISES:
        cell = nbformat.v4.new_code_cell((REFERENCE_DIR / f"{exercise.module}.py").read_text())
        cell.metadata["tags"] = [f"exercise-{exercise.number}"]
        book.cells.append(cell)
    book.cells.extend(extra_cells)
    return nbformat.writes(book)


SOLVED = solved_notebook_text()

# ------------------------------------------------------------------ the notebook reader


def assert_read_is_clean(text: str) -> None:
    try:
        parsed = notebook.read(text)
    except notebook.NotebookError as error:
        assert str(error).strip()
        return
    assert all(isinstance(c.code, str) and c.label.startswith("cell ") for c in parsed.setup)
    for number, cells in parsed.exercises.items():
        assert isinstance(number, int) and cells
        assert all(isinstance(c.code, str) for c in cells)
    assert all(isinstance(note, str) for note in parsed.skipped)


@FAST
@given(NOTEBOOK)
def test_read_any_notebook_shaped_json(data):
    assert_read_is_clean(json.dumps(data))


@FAST
@given(st.text(max_size=300) | JSON.map(json.dumps))
def test_read_any_text(text):
    assert_read_is_clean(text)


@FAST
@given(st.integers(0, len(SOLVED)))
def test_read_a_truncated_notebook(cut):
    assert_read_is_clean(SOLVED[:cut])


@pytest.mark.parametrize(
    "tags",
    [None, True, 2, 2.5, "exercise-2", {"exercise-2": 1}, [], [None], [2], [2.5], [True], [["exercise-2"]],
     [{"tag": "exercise-2"}], ["exercise-2", "exercise-3"], ["exercise-12"], ["exercise-0"]],
    ids=repr,
)  # fmt: skip
def test_tags_of_every_json_type(tags):
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {"tags": tags}, "outputs": [], "execution_count": None}
    text = json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]})
    parsed = notebook.read(text)
    if isinstance(tags, list) and tags and isinstance(tags[0], str) and tags[0].startswith("exercise-"):
        assert list(parsed.exercises) == [int(tags[0].split("-")[1])]  # the first tag that names an exercise
    else:
        assert parsed.exercises == {} and len(parsed.setup) == 1


@pytest.mark.parametrize("version", [0, 1, 2, 3, 5, 99, -1, "4", None, 4.0])
def test_wrong_nbformat_versions(version):
    data = json.loads(SOLVED)
    data["nbformat"] = version
    assert_read_is_clean(json.dumps(data))


@pytest.mark.parametrize("missing", ["cells", "metadata", "nbformat", "nbformat_minor"])
def test_missing_top_level_keys(missing):
    data = json.loads(SOLVED)
    del data[missing]
    assert_read_is_clean(json.dumps(data))


@pytest.mark.parametrize("missing", ["cell_type", "source", "metadata", "outputs", "execution_count", "id"])
def test_missing_cell_keys(missing):
    data = json.loads(SOLVED)
    for cell in data["cells"]:
        cell.pop(missing, None)
    assert_read_is_clean(json.dumps(data))


@pytest.mark.parametrize("where", ["tag", "workspace header"])
def test_a_huge_exercise_number_is_read_or_refused(where):
    number = "9" * 5000
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [], "execution_count": None}
    if where == "tag":
        cell["metadata"]["tags"] = [f"exercise-{number}"]
    else:
        cell["source"] = f"# Your Solution\n# Exercise {number} - learner workspace\nx = 1\n"
    text = json.dumps({"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": [cell]})
    assert_read_is_clean(text)  # int() of over 4300 digits would raise ValueError


# ------------------------------------------------------------------ loading a notebook file


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def assert_loads_cleanly(path: Path) -> submission.Submission:
    loaded = submission.load(path)
    assert set(loaded.exercises) == {e.id for e in EXERCISES}
    for code in loaded.exercises.values():
        assert code.kind in ("cells", "missing")
        if code.kind == "missing":
            assert code.missing_reason.strip()
    if all(code.kind == "missing" for code in loaded.exercises.values()):
        assert loaded.problem or all(c.missing_reason for c in loaded.exercises.values())
    return loaded


def corrupt(data: bytes, positions: list[int], junk: bytes) -> bytes:
    for position in sorted(positions, reverse=True):
        position %= len(data) + 1
        data = data[:position] + junk + data[position:]
    return data


@FAST
@given(
    st.binary(max_size=300)
    | NOTEBOOK.map(lambda n: json.dumps(n).encode())
    | st.builds(
        corrupt,
        st.just(SOLVED.encode()),
        st.lists(st.integers(0, len(SOLVED)), min_size=1, max_size=3),
        st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xfe\xff", b"}", b'"']),
    )
)
def test_load_any_ipynb_file(workdir, data):
    path = workdir / "fuzzed.ipynb"
    path.write_bytes(data)
    loaded = assert_loads_cleanly(path)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert "not UTF-8" in loaded.problem


@GRADING
@given(NOTEBOOK | st.builds(lambda cut: SOLVED[:cut], st.integers(0, len(SOLVED))))
def test_grading_a_fuzzed_notebook_ends_in_a_result(workdir, grade, data):
    path = workdir / "graded.ipynb"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    result = grade(path, timeout=2.0)
    assert [e.id for e in result.exercises] == [e.id for e in EXERCISES]
    for exercise in result.exercises:
        assert exercise.status in EXERCISE_STATUSES
        if exercise.status in ("missing", "error", "timeout"):
            assert exercise.message.strip()


def test_ten_thousand_cells(workdir, grade):
    cells = [nbformat.v4.new_code_cell("pass", metadata={"tags": ["exercise-2"]}) for _ in range(9_989)]
    path = workdir / "many.ipynb"
    path.write_text(solved_notebook_text(cells))
    started = time.monotonic()
    loaded = assert_loads_cleanly(path)
    assert len(loaded.exercises["ex02"].cells) == 1 + 1 + 9_989  # setup, the solution, the rest
    result = grade(path, timeout=10.0)
    assert result.score == result.max_score
    assert time.monotonic() - started < 30


def test_a_ten_megabyte_cell(workdir, grade):
    big = nbformat.v4.new_code_cell("# " + "x" * (10 << 20))
    path = workdir / "big.ipynb"
    path.write_text(solved_notebook_text([big]))  # a trailing cell, not part of any exercise...
    book = json.loads(path.read_text())
    book["cells"].insert(1, book["cells"].pop())  # ...moved into the setup: sent with every exercise
    path.write_text(json.dumps(book))
    assert_loads_cleanly(path)
    result = grade(path, timeout=5.0)
    # The oversized cell is left out, and said so; the rest is graded.
    assert result.score == result.max_score, [(e.id, e.message) for e in result.exercises if e.score < e.max_score]
    assert any(note.startswith("cell 2:") for note in result.notes), result.notes


# ------------------------------------------------------------------ the reply channel


def assert_decodes_or_refuses(header: bytes, blob: bytes):
    try:
        message = wire.unpack(header, blob)
    except wire.WireError as error:
        assert str(error).strip()
        return None
    assert isinstance(message, dict)
    check_arrays(message)
    return message


def check_arrays(value) -> None:
    if isinstance(value, np.ndarray):
        assert value.dtype in (np.float64, np.int64, np.bool_)
        assert value.flags.owndata or value.base is not None  # a copy, not a view into the blob
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            check_arrays(item)


KEYS = st.text(max_size=8).filter(lambda k: not k.startswith("$"))  # "$..." keys are the format's tags
ARRAYS = st.builds(
    lambda shape, dtype: np.zeros(shape, dtype),
    st.lists(st.integers(0, 3), max_size=3),
    st.sampled_from([float, int, bool]),
)
PLAIN = st.recursive(
    SCALARS | st.floats() | ARRAYS,
    lambda children: (
        st.lists(children, max_size=4) | st.tuples(children, children) | st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=10,
)


@FAST
@given(st.dictionaries(KEYS, PLAIN, max_size=4))
def test_pack_then_unpack_gives_the_message_back(message):
    frame = wire.pack(message)
    header_len, blob_len = wire.read_prefix(frame[: wire.PREFIX_SIZE])
    assert wire.PREFIX_SIZE + header_len + blob_len == len(frame)
    body = frame[wire.PREFIX_SIZE :]
    back = wire.unpack(body[:header_len], body[header_len:])
    assert same(back, message)


def same(a, b) -> bool:
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(b, float):
        return isinstance(a, float) and (a == b or (math.isnan(a) and math.isnan(b)))
    if isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in b)
    return a == b and type(a) is type(b)


@FAST
@given(st.dictionaries(KEYS, PLAIN, max_size=4), st.data())
def test_a_truncated_frame_is_refused_or_read_as_what_it_says(message, data):
    body = wire.pack(message)[wire.PREFIX_SIZE :]
    cut = data.draw(st.integers(0, len(body)))
    split = data.draw(st.integers(0, cut))
    assert_decodes_or_refuses(body[:split], body[split:cut])


@FAST
@given(st.binary(min_size=wire.PREFIX_SIZE, max_size=wire.PREFIX_SIZE))
@example(struct.pack(">4sIQ", wire.MAGIC, wire.MAX_HEADER_BYTES + 1, 0))
@example(struct.pack(">4sIQ", wire.MAGIC, 0, wire.MAX_BLOB_BYTES + 1))
@example(struct.pack(">4sIQ", wire.MAGIC, 2**32 - 1, 2**64 - 1))
def test_any_prefix_is_refused_or_within_the_caps(prefix):
    try:
        header_len, blob_len = wire.read_prefix(prefix)
    except wire.WireError as error:
        assert str(error).strip()
        return
    assert prefix.startswith(wire.MAGIC)
    assert 0 <= header_len <= wire.MAX_HEADER_BYTES and 0 <= blob_len <= wire.MAX_BLOB_BYTES


@pytest.mark.parametrize("prefix", [b"", wire.MAGIC, wire.MAGIC + bytes(11), wire.MAGIC + bytes(13)], ids=len)
def test_a_prefix_of_the_wrong_length_is_refused(prefix):
    with pytest.raises(wire.WireError):
        wire.read_prefix(prefix)


@FAST
@given(st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64))
def test_any_header_is_refused_or_decoded(header, blob):
    assert_decodes_or_refuses(header, blob)


TAGGED = st.recursive(
    JSON,
    lambda children: (
        st.fixed_dictionaries({"$tuple": children})
        | st.fixed_dictionaries({"$float": children | st.sampled_from(["nan", "inf", "-inf", "NaN", "Infinity"])})
        | st.fixed_dictionaries({"$fn": children})
        | st.fixed_dictionaries({"$unsupported": children}, optional={"repr": children})
        | st.lists(children, max_size=3)
    ),
    max_leaves=8,
)


@FAST
@given(TAGGED)
def test_tagged_values_of_wrong_types_are_refused_or_decoded(value):
    assert_decodes_or_refuses(json.dumps({"value": value}).encode(), b"")


DIMENSION = (
    st.integers(-3, 6)
    | st.integers(0, 2**14)
    | st.integers(2**14, 2**70)  # beyond NumPy's limits, with or without a zero dimension beside
    | st.sampled_from(["2", "x", None, 1.5, [2], {}])
)
ARRAY_SPEC = st.fixed_dictionaries(
    {},
    optional={
        "dtype": st.sampled_from(["float64", "int64", "bool", "float32", "object", "<f8", ""]) | JSON,
        "shape": st.lists(DIMENSION, max_size=4) | st.sampled_from([None, 3, "23", {}]),
        "offset": st.integers(-16, 80) | st.sampled_from([None, "0", 2**70, 1.5]),
        "nbytes": st.integers(-16, 80) | st.sampled_from([None, "8", 2**70, 0.5]),
    },
)


@FAST
@given(ARRAY_SPEC, st.binary(max_size=80))
@example({"dtype": "float64", "shape": [4], "offset": 0, "nbytes": 32}, bytes(16))  # shape says more than the bytes
@example({"dtype": "float64", "shape": [2], "offset": 0, "nbytes": 8}, bytes(16))  # nbytes says less than the shape
@example({"dtype": "int64", "shape": [0, 2**14, 2**14, 2**14], "offset": 0, "nbytes": 0}, b"")
def test_an_array_is_exactly_what_its_description_says_or_refused(spec, blob):
    message = assert_decodes_or_refuses(json.dumps({"value": {"$array": spec}}).encode(), blob)
    if message is None:
        return
    array = message["value"]
    itemsize = array.dtype.itemsize
    assert array.shape == tuple(int(n) for n in spec["shape"])
    assert array.nbytes == int(spec["nbytes"]) == math.prod(array.shape) * itemsize
    offset = int(spec["offset"])
    assert array.tobytes() == blob[offset : offset + array.nbytes]


@pytest.mark.parametrize(
    "header",
    [
        '{"v": {"$array": {"dtype": "float64", "shape": [Infinity], "offset": 0, "nbytes": 0}}}',
        '{"v": {"$array": {"dtype": "float64", "shape": [0], "offset": 0, "nbytes": Infinity}}}',
        '{"v": {"$array": {"dtype": "float64", "shape": [0, 100000000000000000000], "offset": 0, "nbytes": 0}}}',
        '{"v": {"$array": {"dtype": "int64", "shape": [0, 4611686018427387904], "offset": 0, "nbytes": 0}}}',
        '{"v": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=[
        "infinite_shape",
        "infinite_nbytes",
        "dimension_beyond_int64",
        "empty_array_too_big_for_numpy",
        "nesting_beyond_the_recursion_limit",
    ],
)
def test_headers_that_once_broke_the_decoder_are_refused(header):
    # Each of these let OverflowError, ValueError or RecursionError out of unpack before.
    with pytest.raises(wire.WireError):
        wire.unpack(header.encode(), b"")


# ------------------------------------------------------------------ frames written by learner code

FORGER = """
import os, sys
os.write(int(sys.argv[2]), {frame!r})
"""


def framed(header: bytes) -> bytes:
    return struct.pack(">4sIQ", wire.MAGIC, len(header), 0) + header


FRAMES = (
    st.binary(min_size=1, max_size=64)
    | JSON.map(lambda value: framed(json.dumps(value).encode()))
    | st.dictionaries(KEYS, PLAIN, max_size=3).map(lambda message: wire.pack({"ok": True, **message}))
)


@GRADING
@given(FRAMES)
def test_a_frame_written_by_learner_code_costs_its_own_exercise_only(make_folder, grade, frame):
    folder = make_folder({"ex02": FORGER.format(frame=frame) + SOLUTION})
    result = grade(folder, timeout=2.0)
    exercises = {e.id: e for e in result.exercises}
    # A frame without the request's id is skipped (the solution then scores on its answers);
    # any other forgery stops exercise 2 with a message. Either way the others keep full marks.
    ex02 = exercises["ex02"]
    assert (ex02.score, ex02.status) == (10, "passed") or (ex02.score == 0 and ex02.status in ("error", "timeout"))
    assert ex02.status == "passed" or ex02.message.strip()
    assert all(e.score == e.max_score for e in result.exercises if e.id != "ex02")
