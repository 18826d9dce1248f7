"""Checks for exercise 6, gradient checking: numerical_gradient, gradient_check, nn_loss, nn_grad. 10 points.

numerical_gradient and gradient_check are called with trusted functions (Fn) of a 1-D x, most of
which the learner has not seen, at several steps h and at the default h; gradient_check gets the
claimed gradient as a value (an array), never as a function. The two-layer network uses
d_in != d_h and m > 1 samples so that transposes and missing sums show.
"""

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    FINITE_DIFFERENCE,
    NUMERICAL,
    Fn,
    Tolerance,
    check,
    compare_calls,
    expect_contract_defaults,
    expect_unchanged,
    finite_difference_gradient,
    gradient_by_finite_differences,
)

SAME_STEP = Tolerance(rtol=1e-6, atol=1e-7)  # the learner's finite differences against the reference's, with the same h
NEAR_EXACT = Tolerance(rtol=1e-6, atol=1e-6)  # finite differences with the default h against the exact gradient


# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {"gradient_check": ("numerical_gradient",)}

# ------------------------------------------------------------------ the functions and known mistakes


def exact_log_grad(x):
    g = 2 * x / (1 + np.sum(x**2))
    g[0] += x[-1]
    g[-1] += x[0]
    return g


# Trusted test functions of a 1-D x, with their exact gradients.
FUNCTIONS = [
    ("lambda x: np.sum(np.sin(x) * x**2)", lambda x: np.cos(x) * x**2 + 2 * x * np.sin(x)),
    ("lambda x: np.log(1 + np.sum(x**2)) + x[0] * x[-1]", exact_log_grad),
    ("lambda x: np.dot(x, x)", lambda x: 2 * x),
    ("lambda x: np.sum(x**3) - 2 * np.sum(x)**2", lambda x: 3 * x**2 - 4 * np.sum(x)),
]
# Its centred differences move with h at every point, by about 0.7 h^2 of the value (its third
# derivative never vanishes): a numerical gradient that ignores the h it is given shows here.
STEP_SHOWS = "lambda x: np.sum(np.exp(2 * x))"


def forward_gradient(f, x, h):
    x = np.asarray(x, dtype=float)
    fx = f(x)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - fx) / h
    return grad


def network(rng, m, d_in, d_h):
    """W (d_in, d_h) of moderate size so tanh is not saturated, X (m, d_in), v (d_h,), y (m,)."""
    return (
        0.5 * rng.normal(size=(d_in, d_h)),
        rng.normal(size=(m, d_in)),
        rng.normal(size=d_h),
        rng.normal(size=m),
    )


NETWORK_SHAPES = ((20, 4, 6), (5, 3, 2), (7, 1, 4), (10, 5, 5))


def drifting_gradient(f, x, h):
    """Centred differences that perturb x itself and never restore it (x[i] += h; x[i] -= 2h)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        grad[i] = (plus - f(x)) / (2 * h)
    return grad


def numerical_mistakes(f, x, h=1e-5):
    return {
        "That is a forward difference [f(x + h e_i) - f(x)] / h: use the centred difference"
        " [f(x + h e_i) - f(x - h e_i)] / (2h).": forward_gradient(f, x, h),
        "x[i] is not restored after it is perturbed, so later components are computed at a shifted point:"
        " perturb a copy of x.": drifting_gradient(f, x, h),
        "h is not used: that is the gradient for a small fixed step (such as the default 1e-5), whatever h"
        " is given. Step by the h passed in.": finite_difference_gradient(f, x, 1e-5),
    }


def relative_error(g_num, grad, eps):
    return float(np.linalg.norm(g_num - grad) / (np.linalg.norm(g_num) + np.linalg.norm(grad) + eps))


def check_mistakes(f, grad, x, h=1e-5, eps=1e-8):
    g_num = finite_difference_gradient(f, x, h)
    diff = float(np.linalg.norm(g_num - grad))
    return {
        "Divide by (||g_num|| + ||grad|| + eps): yours is the absolute error ||g_num - grad||.": diff,
        "The denominator is ||g_num|| + ||grad|| + eps, with both norms.": diff / (np.linalg.norm(g_num) + eps),
        "The denominator is the sum ||g_num|| + ||grad|| + eps, not the larger of the two norms.": diff
        / (max(np.linalg.norm(g_num), np.linalg.norm(grad)) + eps),
        "Your numerical gradient inside gradient_check uses forward differences: use centred ones"
        " (see numerical_gradient).": relative_error(forward_gradient(f, x, h), grad, eps),
    }


def nn_grad_mistakes(W, X, v, y):
    H = np.tanh(X @ W)
    delta = 2 * (H @ v - y)
    right = X.T @ (delta[:, None] * v[None, :] * (1 - H * H))
    return {
        "The derivative of tanh is missing: multiply by (1 - tanh(XW)^2) element-wise.": X.T
        @ (delta[:, None] * v[None, :]),
        "tanh'(z) = 1 - tanh(z)^2, not 1 - tanh(z).": X.T @ (delta[:, None] * v[None, :] * (1 - H)),
        "The loss is a sum over samples: do not divide the gradient by m.": right / X.shape[0],
    }


@check(part="a", points=1.5)
def numerical_gradient_matches_reference(sub, ref, rng):
    """Centred differences [f(x + h e_i) - f(x - h e_i)] / (2h) for several f, n = 1..6 and h (default 1e-5)."""
    cases = []
    for (source, _), n, h in zip(FUNCTIONS, (3, 1, 6, 4), (None, 1e-4, 1e-3, 1e-5), strict=True):
        x = rng.uniform(-1.5, 1.5, n)
        cases.append((Fn(source), x) if h is None else (Fn(source), x, h))
    cases.append((Fn(STEP_SHOWS), rng.uniform(-1.5, 1.5, 3), 1e-2))
    compare_calls(
        sub.numerical_gradient,
        ref.numerical_gradient,
        cases,
        tolerance=SAME_STEP,
        mistakes=numerical_mistakes,
    )


@check(part="a", points=0.5)
def numerical_gradient_near_exact_gradient(sub, rng):
    """With its default h the numerical gradient is within O(h^2) of the exact gradient, for four functions."""
    exact = {source: gradient for source, gradient in FUNCTIONS}
    compare_calls(
        sub.numerical_gradient,
        lambda f, x: exact[f.source](x),
        [(Fn(source), rng.uniform(-1.5, 1.5, 4)) for source, _ in FUNCTIONS],
        tolerance=NEAR_EXACT,
        mistakes=numerical_mistakes,
    )


@check(part="a", points=0.5)
def numerical_gradient_leaves_x_unchanged(sub, ref, rng):
    """numerical_gradient perturbs copies: x is not modified in place (and the answer is right)."""
    f, x = Fn(FUNCTIONS[0][0]), rng.uniform(-1.5, 1.5, 5)
    expect_unchanged(sub.numerical_gradient, f, x, right=ref.numerical_gradient, tolerance=SAME_STEP)


@check(part="a", points=1.5)
def gradient_check_random_claims(sub, ref, rng):
    """||g_num - grad|| / (||g_num|| + ||grad|| + eps) for right, perturbed and unrelated claimed gradients."""
    cases = []
    for index, (source, gradient) in enumerate(FUNCTIONS):
        x = rng.uniform(-1.5, 1.5, 4)
        exact = gradient(x)
        claims = (exact + 0.1 * rng.normal(size=4), rng.normal(size=4))
        cases.append((Fn(source), claims[index % 2], x))
    x = rng.uniform(-1.5, 1.5, 3)
    cases.append((Fn(FUNCTIONS[0][0]), FUNCTIONS[0][1](x), x))  # the right gradient: about 1e-11
    cases.append((Fn(FUNCTIONS[1][0]), rng.normal(size=3), x, 1e-4))
    cases.append((Fn(FUNCTIONS[3][0]), rng.normal(size=3), x, 1e-5, 0.5))

    compare_calls(sub.gradient_check, ref.gradient_check, cases, tolerance=NUMERICAL, mistakes=check_mistakes)


@check(part="a", points=0)
def defaults_are_the_contracts(sub, rng):
    """Feedback only (0 points): left out, h = 1e-5 (both functions) and eps = 1e-8 are the assignment's defaults."""
    points = [(Fn(source), rng.uniform(-1.5, 1.5, 3)) for source, _ in FUNCTIONS[:2]]
    expect_contract_defaults(sub.numerical_gradient, points, {"h": 1e-5})
    claims = [(f, rng.normal(size=x.size), x) for f, x in points]  # wrong claims: eps shows in the ratio
    expect_contract_defaults(sub.gradient_check, claims, {"h": 1e-5, "eps": 1e-8})


@check(part="b", points=2)
def gradient_check_flags_sign_and_scale_errors(sub, ref, rng):
    """On ||x||^2 and on an unseen f: the right gradient gives ~0, the sign error 1, the missing factor 2 gives 1/3."""
    cases = []
    for source, gradient in (FUNCTIONS[2], FUNCTIONS[0]):
        x = rng.uniform(-1.5, 1.5, 5)
        g = gradient(x)
        cases += [(Fn(source), g, x), (Fn(source), -g, x), (Fn(source), g / 2, x)]
    compare_calls(sub.gradient_check, ref.gradient_check, cases, tolerance=NUMERICAL, mistakes=check_mistakes)


@check(part="c", points=1)
def nn_loss_random_networks(sub, ref, rng):
    """L(W) = sum((tanh(X W) v - y)^2) for several network shapes (m, d_in, d_h)."""
    compare_calls(
        sub.nn_loss,
        ref.nn_loss,
        [network(rng, *shape) for shape in NETWORK_SHAPES],
        tolerance=CLOSED_FORM,
        mistakes=lambda W, X, v, y: {
            "The loss is the sum of the squared errors, not their mean.": float(np.mean((np.tanh(X @ W) @ v - y) ** 2)),
        },
    )


@check(part="c", points=2)
def nn_grad_random_networks(sub, ref, rng):
    """grad_W L = X^T [2 (tanh(XW) v - y) v^T * (1 - tanh(XW)^2)], shape (d_in, d_h), for several shapes."""
    compare_calls(
        sub.nn_grad,
        ref.nn_grad,
        [network(rng, *shape) for shape in NETWORK_SHAPES],
        tolerance=CLOSED_FORM,
        mistakes=nn_grad_mistakes,
    )


@check(part="c", points=1)
def nn_grad_matches_finite_differences(sub, ref, rng):
    """nn_grad agrees with centred finite differences of the reference's nn_loss, shapes (6, 3, 4) and (4, 2, 5)."""
    compare_calls(
        sub.nn_grad,
        gradient_by_finite_differences(ref.nn_loss),
        [network(rng, *shape) for shape in ((6, 3, 4), (4, 2, 5))],
        tolerance=FINITE_DIFFERENCE,
        mistakes=nn_grad_mistakes,
    )
