"""Values: what learner functions return is plain data by the time the grader compares it.

Answers cross the boundary as JSON and raw float64/int64/bool bytes (grader/isolation/wire.py), so an
object's methods (lying ``__eq__``, ``__array_function__``, ``__float__``...) never run on the
grader's side; anything that is not numbers is a wrong answer with a message, never a crash of
the grader. Each case here breaks grad_f only, so exercise 2 keeps checks c and d (6 points)
unless stated. Lying float and ndarray subclasses with ``__eq__`` are in tests/test_hostile.py.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import ENDED_IN_GRAD_F, SOLUTION, WITHOUT_GRAD_F

GRAD_F = SOLUTION + "\n\ndef grad_f(x, y):\n    {body}\n"

VALUES = {
    # name: (grad_f's body, exercise 2's score, its status, a phrase of the first check's message)
    "ndarray_subclass_with_array_function_and_ufunc": (
        "class Sly(np.ndarray):\n"
        "        def __array_function__(self, *a, **k):\n            return True\n"
        "        def __array_ufunc__(self, *a, **k):\n            return np.zeros(2)\n"
        "        def __eq__(self, other):\n            return True\n"
        "        def __float__(self):\n            return 0.0\n"
        "        def __len__(self):\n            return 2\n"
        "        def tobytes(self, *a, **k):\n            return np.array([2.0 * x + y, x + 2.0 * y]).tobytes()\n"
        "    return np.zeros(2).view(Sly)",
        WITHOUT_GRAD_F,
        "partial",
        "got [0., 0.]",
    ),
    "float64_subclass_that_claims_every_value": (
        "class Any(np.float64):\n"
        "        __eq__ = __le__ = __ge__ = __lt__ = lambda self, other: True\n"
        "        __sub__ = __rsub__ = lambda self, other: 0.0\n"
        "        __abs__ = lambda self: 0.0\n"
        "    return [Any(0.0), Any(0.0)]",
        WITHOUT_GRAD_F,
        "partial",
        "got [0., 0.]",
    ),
    "object_with_array_protocol": (
        "class Looks:\n        def __array__(self, *a, **k):\n"
        "            return np.array([2.0 * x + y, x + 2.0 * y])\n"
        "    return Looks()",
        WITHOUT_GRAD_F,
        "partial",
        "returned a Looks",
    ),
    "nan": ("return np.array([np.nan, np.nan])", WITHOUT_GRAD_F, "partial", "NaN or infinity"),
    "inf": ("return np.array([np.inf, -np.inf])", WITHOUT_GRAD_F, "partial", "NaN or infinity"),
    "object_array": ("return np.array([2.0 * x + y, x + 2.0 * y], dtype=object)", WITHOUT_GRAD_F, "partial", "object"),
    "complex_array": (
        "return np.array([2.0 * x + y, x + 2.0 * y], dtype=complex)",
        WITHOUT_GRAD_F,
        "partial",
        "complex",
    ),
    "int_array": ("return np.array([2.0 * x + y, x + 2.0 * y]).astype(int)", WITHOUT_GRAD_F, "partial", "expected"),
    "string": ("return f'{2.0 * x + y} {x + 2.0 * y}'", WITHOUT_GRAD_F, "partial", "returned a str"),
    "bytes": ("return np.array([2.0 * x + y, x + 2.0 * y]).tobytes()", WITHOUT_GRAD_F, "partial", "bytes"),
    "dict": ("return {'x': 2.0 * x + y, 'y': x + 2.0 * y}", WITHOUT_GRAD_F, "partial", "returned a dict"),
    "none": ("return None", WITHOUT_GRAD_F, "partial", "returned None"),
    "deeply_nested_list": (
        "value = [2.0 * x + y, x + 2.0 * y]\n    for _ in range(100):\n        value = [value]\n    return value",
        WITHOUT_GRAD_F,
        "partial",
        "nested too deeply",
    ),
    "huge_int": ("return [10 ** 10000, 1]", WITHOUT_GRAD_F, "partial", "UnreadableValue"),
    "wrong_shape": ("return np.array([[2.0 * x + y], [x + 2.0 * y]])", WITHOUT_GRAD_F, "partial", "wrong shape"),
    "float32_array": (
        # float32 carries ~7 digits: the right gradient in float32 is judged at float32 precision.
        "return np.array([2.0 * x + y, x + 2.0 * y], dtype=np.float32)",
        10.0,
        "passed",
        "",
    ),
    "float32_array_wrong": (
        # ... and a wrong one in float32 is still wrong, with its mistake named.
        "return np.array([x + 2.0 * y, 2.0 * x + y], dtype=np.float32)",
        WITHOUT_GRAD_F,
        "partial",
        "swapped",
    ),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_a_value_that_is_not_the_right_numbers_earns_nothing(name, hostile):
    body, score, status, phrase = VALUES[name]
    graded = hostile(GRAD_F.format(body=body), score=score, status=status)
    assert phrase in graded.target.checks[0].message


@pytest.mark.parametrize(
    "size, score, status, phrase",
    [
        # 800 MB per answer: the worker runs out of its 2 GiB at the third call of a batch and
        # cannot pack the first two: those calls fail, grad_f's checks are lost.
        (10**8, WITHOUT_GRAD_F, "partial", "UnreadableValue"),
        # 80 MB per answer, 480 MB per batch: over the reply's 256 MB cap, refused unread; grad_f
        # is not run again, the other functions are checked in a fresh process.
        (10**7, ENDED_IN_GRAD_F, "error", "reply too large"),
        # 40 MB per answer, 240 MB per batch: under the cap, read and compared (wrong shape).
        (5 * 10**6, WITHOUT_GRAD_F, "partial", "got [1., 1., 1., ..., 1., 1., 1.]"),
    ],
    ids=["1e8_floats", "1e7_floats", "5e6_floats"],
)
def test_huge_arrays_cost_the_exercise_not_the_graders_memory(size, score, status, phrase, hostile):
    # The harness checks the grader's peak memory: a reply is at most 4 MiB + 256 MiB, and the
    # grader holds about two copies of it while decoding.
    graded = hostile(GRAD_F.format(body=f"return np.ones({size})"), score=score, status=status, timeout=10.0)
    assert phrase in graded.target.checks[0].message


def test_strings_where_numbers_are_due_earn_nothing(hostile):
    # Even strings that hold the right numbers: the contract says float64 arrays.
    source = GRAD_F.format(body="return [str(2.0 * x + y), str(x + 2.0 * y)]")
    graded = hostile(source, score=WITHOUT_GRAD_F, status="partial")
    assert "not numbers" in graded.target.checks[0].message


def test_learner_text_is_escaped_in_the_report(hostile):
    source = SOLUTION + (
        "\nprint('<script>alert(\"printed\")</script>')\n\n\n"
        "class Shown:\n    def __repr__(self):\n        return '<img src=x onerror=alert(1)>'\n\n\n"
        "def grad_f(x, y):\n    return Shown()\n\n\n"
        "def level_curve_tangent(x, y):\n    raise ValueError('<iframe src=javascript:alert(2)>')\n"
    )
    graded = hostile(source, score=3.0, status="partial")
    report = graded.report
    for raw in ("<script>alert", "<img src=x", "<iframe"):
        assert raw not in report
    assert "&lt;script&gt;" in report and "&lt;img src=x" in report and "&lt;iframe" in report
