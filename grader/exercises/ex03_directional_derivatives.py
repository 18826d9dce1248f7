"""Checks for exercise 3, directional derivatives: grad_f3, directional_deriv, extreme_directions, \
neutral_directions, limit_directional_deriv. 10 points.

f(x, y) = exp(x^2 + y^2) at a point p. Points are drawn in all four quadrants and on the axes
(including the negative x-axis, where atan(y / x) picks the wrong half-plane), never at p = 0,
where the gradient vanishes and the reference raises ValueError. Angles are compared modulo
2*pi (angle=True); neutral_directions is an unordered pair, extreme_directions is
(theta_max, theta_min) in that order. limit_directional_deriv is called with trusted functions
(Fn) of a 2-vector the learner has not seen, with unit directions u.
"""

import math

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    LEARNER_FINITE_DIFFERENCE,
    NUMERICAL,
    Fn,
    Tolerance,
    check,
    compare_calls,
    gradient_by_finite_differences,
)

DIRECTION = Tolerance(rtol=0, atol=1e-8)  # unit vectors: an absolute tolerance on each component


# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {
    "directional_deriv": ("grad_f3",),
    "extreme_directions": ("grad_f3",),
    "neutral_directions": ("extreme_directions", "grad_f3"),
}

# ------------------------------------------------------------------ the functions and inputs


def f3(p):
    return np.exp(p[0] ** 2 + p[1] ** 2)


def random_points(rng, n=6):
    """Points with 0.2 <= |p| <= 2 in random directions: the gradient is non-zero and exp is tame."""
    radius = rng.uniform(0.2, 2.0, n)
    angle = rng.uniform(-np.pi, np.pi, n)
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def angle_points(rng):
    """Random points plus one on each half-axis; the negative x-axis is where atan(y/x) goes wrong."""
    r = rng.uniform(0.3, 1.5, 4)
    axes = np.array([[r[0], 0.0], [-r[1], 0.0], [0.0, r[2]], [0.0, -r[3]]])
    quadrants = np.abs(random_points(rng, 4)) * np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]])
    return [(p,) for p in np.vstack([quadrants, axes])]


def atan_angle(p):
    """The angle of p computed with atan(y / x), as a student might (wrong for x < 0)."""
    x, y = float(p[0]), float(p[1])
    return math.atan(y / x) if x != 0 else math.copysign(math.pi / 2, y)


def wrap(a):
    return (a + math.pi) % (2 * math.pi) - math.pi


# Trusted test functions of a 2-vector p for limit_directional_deriv, with their exact gradients.
LIMIT_FUNCTIONS = [
    ("lambda p: np.exp(p[0]**2 + p[1]**2)", lambda p: 2 * math.exp(p[0] ** 2 + p[1] ** 2) * np.array(p)),
    (
        "lambda p: np.sin(p[0]) * p[1]**2 + p[0]",
        lambda p: np.array([math.cos(p[0]) * p[1] ** 2 + 1, 2 * math.sin(p[0]) * p[1]]),
    ),
    (
        "lambda p: p[0]**3 - 2 * p[0] * p[1] + np.cos(p[1])",
        lambda p: np.array([3 * p[0] ** 2 - 2 * p[1], -2 * p[0] - math.sin(p[1])]),
    ),
]


def grad_mistakes(p):
    return {"The exponential is missing: d/dx e^{x^2+y^2} = 2x e^{x^2+y^2}, keep the exponential.": 2 * p}


def limit_mistakes(fn, p, u, h):
    return {
        "That is a centred difference (f(p + h u) - f(p - h u)) / (2h): the limit definition here is"
        " the one-sided quotient (f(p + h u) - f(p)) / h.": (fn(p + h * u) - fn(p - h * u)) / (2 * h),
        "Divide by h: the quotient is (f(p + h u) - f(p)) / h.": fn(p + h * u) - fn(p),
        "The step goes along +h u: (f(p + h u) - f(p)) / h.": (fn(p - h * u) - fn(p)) / h,
    }


def unit(theta):
    return np.array([math.cos(theta), math.sin(theta)])


@check(part="a", points=1)
def grad_f3_random_points(sub, ref, rng):
    """grad f(p) = 2 e^{x^2 + y^2} (x, y) at random points."""
    compare_calls(
        sub.grad_f3,
        ref.grad_f3,
        [(p,) for p in random_points(rng)],
        tolerance=CLOSED_FORM,
        mistakes=grad_mistakes,
    )


@check(part="a", points=1)
def grad_f3_matches_finite_differences(sub, rng):
    """grad_f3 agrees with centred finite differences of f, computed by the grader."""
    compare_calls(
        sub.grad_f3,
        gradient_by_finite_differences(f3),
        [(p,) for p in random_points(rng, 4)],
        tolerance=FINITE_DIFFERENCE,
        mistakes=grad_mistakes,
    )


@check(part="a", points=2)
def directional_deriv_random_angles(sub, ref, rng):
    """D_u f(p) = grad f(p) . (cos theta, sin theta) at random points and angles (radians)."""
    points = random_points(rng)
    thetas = rng.uniform(-math.pi, 2 * math.pi, len(points))

    def mistakes(p, theta):
        g = ref.grad_f3(p)
        return {
            "The direction must be u = (cos theta, sin theta); yours has cos and sin swapped.": float(
                g @ [math.sin(theta), math.cos(theta)]
            ),
            "theta is in radians: do not convert it from degrees.": float(g @ unit(math.radians(theta))),
            "That is ||grad f(p)||, the largest directional derivative: take the dot product with u.": float(
                np.linalg.norm(g)
            ),
        }

    compare_calls(
        sub.directional_deriv,
        ref.directional_deriv,
        [(p, float(t)) for p, t in zip(points, thetas, strict=True)],
        tolerance=CLOSED_FORM,
        mistakes=mistakes,
    )


@check(part="b", points=2)
def extreme_directions_all_quadrants(sub, ref, rng):
    """(theta_max, theta_min) point along +grad f and -grad f, in that order, modulo 2*pi."""
    compare_calls(
        sub.extreme_directions,
        ref.extreme_directions,
        angle_points(rng),
        tolerance=DIRECTION,
        angle=True,
        mistakes=lambda p: {
            "atan(y / x) loses the half-plane when x < 0: use atan2(y, x).": (
                atan_angle(p),
                wrap(atan_angle(p) + math.pi),
            ),
            "Order: return (theta_max, theta_min), the maximising angle first.": tuple(
                reversed(ref.extreme_directions(p))
            ),
        },
    )


@check(part="c", points=2)
def neutral_directions_all_quadrants(sub, ref, rng):
    """The two angles perpendicular to grad f(p), where D_u f(p) = 0, in any order, modulo 2*pi."""
    compare_calls(
        sub.neutral_directions,
        ref.neutral_directions,
        angle_points(rng),
        tolerance=DIRECTION,
        angle=True,
        unordered=True,
        mistakes=lambda p: {
            "Those are the extreme directions (along +-grad f): the neutral ones are perpendicular,"
            " theta_max +- pi/2.": ref.extreme_directions(p),
        },
    )


@check(part="d", points=1.5)
def limit_directional_deriv_matches_reference(sub, ref, rng):
    """The one-sided quotient (f(p + h u) - f(p)) / h for several functions f and steps h."""
    cases = []
    for (source, _), h in zip(LIMIT_FUNCTIONS * 2, (1e-2, 1e-3, 1e-4, 1e-2, 5e-2, 1e-3), strict=True):
        p = rng.uniform(-1.0, 1.0, 2)
        cases.append((Fn(source), p, unit(rng.uniform(-math.pi, math.pi)), h))

    compare_calls(
        sub.limit_directional_deriv,
        ref.limit_directional_deriv,
        cases,
        tolerance=NUMERICAL,
        mistakes=limit_mistakes,
    )


@check(part="d", points=0.5)
def limit_directional_deriv_small_h_near_exact(sub, rng):
    """With h = 1e-6 the quotient is within O(h) of the exact grad f(p) . u, for three functions."""
    exact = {source: gradient for source, gradient in LIMIT_FUNCTIONS}
    cases = [
        (Fn(source), rng.uniform(-1.0, 1.0, 2), unit(rng.uniform(-math.pi, math.pi)), 1e-6)
        for source, _ in LIMIT_FUNCTIONS
    ]
    compare_calls(
        sub.limit_directional_deriv,
        lambda fn, p, u, h: float(exact[fn.source](p) @ u),
        cases,
        tolerance=LEARNER_FINITE_DIFFERENCE,
        mistakes=limit_mistakes,
    )
