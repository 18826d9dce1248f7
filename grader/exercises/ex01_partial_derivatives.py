"""Checks for exercise 1, partial derivatives: df_dx, df_dy, dg_dx, dg_dy, dg_dz, grad_norm_sq, \
d2f_dxdy, mixed_partial_fd. 10 points.

f(x, y) = x^3 y + e^{xy};  g(x, y, z) = sin(xy) + y z^2 - ln(x + z) (only x + z > 0);  h(w) = ||w||^2.
Points are drawn at random (never only the notebook's (1, 2) and (1, 0, 1)). mixed_partial_fd is
called with trusted functions (Fn) the learner has not seen, at several steps h and at the default h.
"""

import math

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    LEARNER_FINITE_DIFFERENCE,
    Fn,
    Tolerance,
    check,
    compare_calls,
    expect_contract_defaults,
    expect_unchanged,
    gradient_by_finite_differences,
)

SUM_OF_SQUARES = Tolerance(rtol=1e-10, atol=1e-12)  # 2w is exact up to a rounding or two


# ------------------------------------------------------------------ the functions and inputs


def f(p):
    return p[0] ** 3 * p[1] + np.exp(p[0] * p[1])


def g(p):
    return np.sin(p[0] * p[1]) + p[1] * p[2] ** 2 - np.log(p[0] + p[2])


def fd_f(index):
    """The partial derivative of f in argument ``index``, by centred differences."""
    return gradient_by_finite_differences(lambda x, y: f([x, y]), wrt=index)


def fd_g(index):
    """The partial derivative of g in argument ``index``, by centred differences."""
    return gradient_by_finite_differences(lambda x, y, z: g([x, y, z]), wrt=index)


def points_2d(rng, n=6):
    """Points with 0.2 <= |x|, |y| <= 1.5, in all four quadrants."""
    return rng.uniform(0.2, 1.5, (n, 2)) * rng.choice([-1.0, 1.0], (n, 2))


def points_3d(rng, n=6):
    """Points with x + z >= 0.3, where g is defined and ln(x + z) is well conditioned."""
    points = rng.uniform(-1.5, 1.5, (n, 3))
    shift = np.maximum(0.0, 0.3 - (points[:, 0] + points[:, 2]))
    points[:, 2] += shift + rng.uniform(0.0, 0.5, n)
    return points


def forward_mixed(fn, x, y, h):
    return (fn(x + h, y + h) - fn(x + h, y) - fn(x, y + h) + fn(x, y)) / (h * h)


def centred_mixed(fn, x, y, h):
    return (fn(x + h, y + h) - fn(x + h, y - h) - fn(x - h, y + h) + fn(x - h, y - h)) / (4 * h * h)


# Trusted test functions for mixed_partial_fd, with their exact mixed partial d2/dxdy.
MIXED = [
    ("lambda x, y: x**3 * y + np.exp(x * y)", lambda x, y: 3 * x**2 + (1 + x * y) * math.exp(x * y)),
    ("lambda x, y: np.sin(x) * y**3", lambda x, y: 3 * y**2 * math.cos(x)),
    ("lambda x, y: x**2 * y + np.cos(x - 2 * y)", lambda x, y: 2 * x + 2 * math.cos(x - 2 * y)),
    ("lambda x, y: np.exp(0.5 * x) * np.log(2 + y)", lambda x, y: 0.5 * math.exp(0.5 * x) / (2 + y)),
]
# Its estimate moves with h at every point, by about 1.3 h^2 of the value (its fourth derivatives
# never vanish): an estimate that ignores the h it is given shows here, whatever the inputs.
STEP_SHOWS = "lambda x, y: np.exp(2 * x + 2 * y)"

# ------------------------------------------------------------------ known mistakes


def df_dx_mistakes(x, y):
    return {
        "The chain rule is missing: d/dx e^{xy} = y e^{xy}, not e^{xy}.": 3 * x**2 * y + math.exp(x * y),
        "That is df/dy: differentiate with respect to x, holding y fixed.": x**3 + x * math.exp(x * y),
    }


def df_dy_mistakes(x, y):
    return {
        "The chain rule is missing: d/dy e^{xy} = x e^{xy}, not e^{xy}.": x**3 + math.exp(x * y),
        "That is df/dx: differentiate with respect to y, holding x fixed.": 3 * x**2 * y + y * math.exp(x * y),
    }


def dg_dx_mistakes(x, y, z):
    return {
        "Sign of the log term: d/dx [-ln(x + z)] = -1/(x + z).": y * math.cos(x * y) + 1 / (x + z),
        "The chain rule is missing in sin(xy): d/dx sin(xy) = y cos(xy).": math.cos(x * y) - 1 / (x + z),
    }


def dg_dy_mistakes(x, y, z):
    return {"The chain rule is missing in sin(xy): d/dy sin(xy) = x cos(xy).": math.cos(x * y) + z**2}


def dg_dz_mistakes(x, y, z):
    return {
        "Sign of the log term: d/dz [-ln(x + z)] = -1/(x + z).": 2 * y * z + 1 / (x + z),
        "d/dz (y z^2) = 2 y z: the factor 2 is missing.": y * z - 1 / (x + z),
    }


def mixed_mistakes(fn, x, y, h=1e-4):
    return {
        "That is a forward difference, [f(x+h,y+h) - f(x+h,y) - f(x,y+h) + f(x,y)] / h^2:"
        " use the centred four-point formula with +h and -h.": forward_mixed(fn, x, y, h),
        "Divide by 4 h^2: the four points are 2h apart in each direction.": 4 * centred_mixed(fn, x, y, h),
        "h is not used: that is the estimate for a small fixed step (such as the default 1e-4), whatever h"
        " is given. Step by the h passed in.": centred_mixed(fn, x, y, 1e-4),
    }


# ------------------------------------------------------------------ checks


# Each partial earns its points in one check, against the reference and against the grader's
# finite differences of f or g: a mistake in one partial costs that partial alone.


def compare_partial(learner, right, by_finite_differences, points, rng, mistakes) -> None:
    """The learner's partial against the reference's at random points, then against finite differences."""
    compare_calls(learner, right, points(rng), tolerance=CLOSED_FORM, mistakes=mistakes)
    compare_calls(learner, by_finite_differences, points(rng, 4), tolerance=FINITE_DIFFERENCE, mistakes=mistakes)


@check(part="a", points=1.5)
def df_dx_random_points(sub, ref, rng):
    """df/dx = 3x^2 y + y e^{xy} at random points, and against centred finite differences of f."""
    compare_partial(sub.df_dx, ref.df_dx, fd_f(0), points_2d, rng, df_dx_mistakes)


@check(part="a", points=1.5)
def df_dy_random_points(sub, ref, rng):
    """df/dy = x^3 + x e^{xy} at random points, and against centred finite differences of f."""
    compare_partial(sub.df_dy, ref.df_dy, fd_f(1), points_2d, rng, df_dy_mistakes)


@check(part="b", points=1)
def dg_dx_random_points(sub, ref, rng):
    """dg/dx = y cos(xy) - 1/(x+z) for x + z > 0, and against centred finite differences of g."""
    compare_partial(sub.dg_dx, ref.dg_dx, fd_g(0), points_3d, rng, dg_dx_mistakes)


@check(part="b", points=1)
def dg_dy_random_points(sub, ref, rng):
    """dg/dy = x cos(xy) + z^2 for x + z > 0, and against centred finite differences of g."""
    compare_partial(sub.dg_dy, ref.dg_dy, fd_g(1), points_3d, rng, dg_dy_mistakes)


@check(part="b", points=1)
def dg_dz_random_points(sub, ref, rng):
    """dg/dz = 2yz - 1/(x+z) for x + z > 0, and against centred finite differences of g."""
    compare_partial(sub.dg_dz, ref.dg_dz, fd_g(2), points_3d, rng, dg_dz_mistakes)


@check(part="c", points=1)
def grad_norm_sq_random_vectors(sub, ref, rng):
    """grad ||w||^2 = 2w, same shape as w, for n = 3, 7, 1, 4, and against finite differences of ||w||^2."""
    cases = [(rng.normal(size=n),) for n in (3, 7, 1)] + [(rng.uniform(-5, 5, 4),)]
    compare_calls(sub.grad_norm_sq, ref.grad_norm_sq, cases, tolerance=SUM_OF_SQUARES)
    compare_calls(
        sub.grad_norm_sq,
        gradient_by_finite_differences(lambda w: float(np.dot(w, w))),
        [(rng.normal(size=5),)],
        tolerance=FINITE_DIFFERENCE,
    )


@check(part="c", points=0.5)
def grad_norm_sq_leaves_w_unchanged(sub, ref, rng):
    """grad_norm_sq does not modify w in place (and its answer is right)."""
    expect_unchanged(sub.grad_norm_sq, rng.normal(size=4), right=ref.grad_norm_sq, tolerance=SUM_OF_SQUARES)


@check(part="d", points=1)
def d2f_dxdy_random_points(sub, ref, rng):
    """d2f/dxdy = 3x^2 + e^{xy} + xy e^{xy} at random points."""
    compare_calls(
        sub.d2f_dxdy,
        ref.d2f_dxdy,
        points_2d(rng),
        tolerance=CLOSED_FORM,
        mistakes=lambda x, y: {
            "The product rule is missing: d/dy (y e^{xy}) = e^{xy} + xy e^{xy}.": 3 * x**2 + x * y * math.exp(x * y),
            "d/dy (y e^{xy}) also has the term e^{xy} (product rule).": 3 * x**2 + math.exp(x * y),
        },
    )


@check(part="d", points=1)
def mixed_partial_fd_matches_reference(sub, ref, rng):
    """The centred four-point estimate equals the reference's, for five functions and h from 1e-4 to 0.05."""
    cases = []
    for (source, _), h in zip([*MIXED, (STEP_SHOWS, None)], (1e-3, 1e-4, 5e-3, 1e-2, 5e-2), strict=True):
        x, y = rng.uniform(-1.0, 1.0, 2)
        cases.append((Fn(source), float(x), float(y), h))
    compare_calls(
        sub.mixed_partial_fd, ref.mixed_partial_fd, cases, tolerance=FINITE_DIFFERENCE, mistakes=mixed_mistakes
    )


@check(part="d", points=0.5)
def mixed_partial_fd_default_h_near_exact(sub, rng):
    """With its default h = 1e-4 the estimate is within O(h^2) of the exact mixed partial, for four functions."""
    exact = {source: d2 for source, d2 in MIXED}
    cases = [(Fn(source), *(float(v) for v in rng.uniform(-1.0, 1.0, 2))) for source, _ in MIXED]
    compare_calls(
        sub.mixed_partial_fd,
        lambda fn, x, y: exact[fn.source](x, y),
        cases,
        tolerance=LEARNER_FINITE_DIFFERENCE,
        mistakes=mixed_mistakes,
    )


@check(part="d", points=0)
def mixed_partial_fd_default_h_is_the_contracts(sub, rng):
    """Feedback only (0 points): called without h, mixed_partial_fd uses the assignment's default h = 1e-4."""
    cases = [(Fn(source), *(float(v) for v in rng.uniform(-1.0, 1.0, 2))) for source, _ in MIXED[:2]]
    expect_contract_defaults(sub.mixed_partial_fd, cases, {"h": 1e-4})
