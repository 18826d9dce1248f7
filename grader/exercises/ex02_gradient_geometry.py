"""Checks for exercise 2, gradient geometry: f(x, y) = x^2 + x y + y^2. 10 points."""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    NUMERICAL,
    check,
    compare_calls,
    finite_difference_gradient,
)

# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {"level_curve_tangent": ("grad_f",), "steepest_descent_dir": ("grad_f",)}


def f(p):
    return p[0] ** 2 + p[0] * p[1] + p[1] ** 2


def random_points(rng, n=6):
    """Points away from the origin, where the gradient is non-zero and directions are defined."""
    radius = rng.uniform(0.5, 3.0, n)
    angle = rng.uniform(-np.pi, np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


@check(part="a", points=3)
def grad_f_matches_reference(sub, ref, rng):
    """grad_f(x, y) = (2x + y, x + 2y) at random points."""
    compare_calls(sub.grad_f, ref.grad_f, random_points(rng), tolerance=CLOSED_FORM)


@check(part="b", points=1)
def grad_f_matches_finite_differences(sub, rng):
    """grad_f agrees with centred finite differences of f, also at points with x != y."""
    numeric = lambda x, y: finite_difference_gradient(f, [x, y])  # noqa: E731
    compare_calls(sub.grad_f, numeric, random_points(rng, 3), tolerance=FINITE_DIFFERENCE)


@check(part="c", points=3)
def level_curve_tangent_is_unit_and_perpendicular(sub, ref, rng):
    """The tangent is a unit vector perpendicular to the gradient; either orientation is right."""
    compare_calls(
        sub.level_curve_tangent,
        ref.level_curve_tangent,
        random_points(rng),
        tolerance=NUMERICAL,
        up_to_sign=True,
        unit=True,
        mistakes=lambda x, y: {
            "That is the gradient's direction, not the tangent: rotate it by 90 degrees.": ref.grad_f(x, y)
            / np.linalg.norm(ref.grad_f(x, y)),
        },
    )


@check(part="d", points=3)
def steepest_descent_is_unit_negative_gradient(sub, ref, rng):
    """u = -grad f / ||grad f||."""
    compare_calls(
        sub.steepest_descent_dir,
        ref.steepest_descent_dir,
        random_points(rng),
        tolerance=NUMERICAL,
        unit=True,
    )
