"""Checks for exercise 8, natural gradient: neg_log_likelihood, nll_grad, fisher_info, run_optimizer. 10 points.

theta = (mu, log sigma). Data sets are drawn from random Gaussians with n > 1 samples of varying size (so
that the notebook's global N = 500 or a missing factor n shows). The NLL must include the constant
0.5 n log(2 pi). run_optimizer is graded on short paths (1-7 steps) for both use_natural=False and True,
must return n_steps + 1 rows starting at theta0, and must not modify theta0. Part (d) runs 300 natural
steps (lr 0.1) from (0, 0) and compares the end point with the exact maximum-likelihood estimate (sample
mean, log of the population standard deviation); plain gradient descent with the notebook's learning rate
(1e-4 at n = 500 and sigma = 0.5) is not always converged after 300 steps, so its end point is compared
with the reference's.
"""

import math

import numpy as np

from grader.checking.checks import (
    CLOSED_FORM,
    NUMERICAL,
    CheckFailed,
    Tolerance,
    Transformed,
    as_array,
    check,
    compare_calls,
    expect_unchanged,
    gradient_by_finite_differences,
)

FORMULA = Tolerance(rtol=1e-9, atol=1e-9)  # a closed form in theta and n
GRADIENT = Tolerance(rtol=1e-8, atol=1e-9)  # sums over up to 200 samples
FINITE_DIFFERENCE_OF_NLL = Tolerance(rtol=1e-5, atol=1e-5)  # the NLL sums n samples: more rounding in its differences
MLE = Tolerance(rtol=1e-6, atol=1e-6)  # the end point of 300 natural steps against the exact estimate


# The contract's functions that may call others of this exercise: error carried forward (checking/carried.py).
CALLEES = {"run_optimizer": ("nll_grad", "fisher_info")}

NOTEBOOK_N = 500  # the notebook's global sample count, which a copied solution may still use


def random_theta(rng):
    return np.array([rng.uniform(-2.0, 2.0), rng.uniform(-0.7, 0.7)])


def random_data(rng, n):
    return rng.normal(rng.uniform(-2.0, 2.0), rng.uniform(0.4, 1.8), n)


def random_sizes(rng, count):
    """Sample counts > 1 of different sizes: a few small (readable in messages), some larger."""
    return [int(rng.integers(2, 9)), int(rng.integers(9, 13)), *(int(rng.integers(13, 200)) for _ in range(count - 2))]


# ------------------------------------------------------------------ (a) Fisher information


def fisher_mistakes(theta, n):
    s2 = math.exp(2 * theta[1])
    t = theta[1]
    with np.errstate(divide="ignore"):
        return {
            "That is the Fisher information of one sample: for n samples it is n times larger, "
            "F = diag(n / sigma^2, 2 n).": np.diag([1 / s2, 2.0]),
            f"You used a fixed n = {NOTEBOOK_N} (the notebook's N) instead of the argument n.": np.diag(
                [NOTEBOOK_N / s2, 2.0 * NOTEBOOK_N]
            ),
            "That is the Fisher information for (mu, sigma); in (mu, log sigma) the second entry is 2 n.": np.diag(
                [n / s2, 2 * n / s2]
            ),
            "That is the Fisher information for (mu, sigma^2); in (mu, log sigma) the second entry is 2 n.": np.diag(
                [n / s2, n / (2 * s2 * s2)]
            ),
            "theta[1] is log sigma: use sigma = exp(theta[1]), so n / sigma^2 = n exp(-2 theta[1]).": np.diag(
                [n / (t * t) if t else np.inf, 2.0 * n]
            ),
            "The first entry is n / sigma^2, not n / sigma.": np.diag([n / math.sqrt(s2), 2.0 * n]),
            "The second entry is 2 n, not n: d^2/d(log sigma)^2 of the NLL has expectation 2 n.": np.diag(
                [n / s2, float(n)]
            ),
        }


@check(part="a", points=2)
def fisher_info_random_theta_and_n(sub, ref, rng):
    """fisher_info(theta, n) = diag(n / sigma^2, 2 n) for random theta and sample counts n."""
    cases = [(random_theta(rng), n) for n in (*random_sizes(rng, 4), 1000, 1)]
    compare_calls(sub.fisher_info, ref.fisher_info, cases, tolerance=FORMULA, mistakes=fisher_mistakes)


# ------------------------------------------------------------------ (b) NLL and its gradient


def nll_mistakes(ref):
    def mistakes(theta, data):
        n = data.size
        mu, t = theta
        s = math.exp(t)
        squares = float(np.sum((data - mu) ** 2))
        constant = 0.5 * n * math.log(2 * math.pi)
        nll = ref.neg_log_likelihood(theta, data)
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma_as_theta = 0.5 * squares / t**2 + n * np.log(t) + constant if t else np.inf
        return {
            "The constant 0.5 n log(2 pi) is missing: the contract's NLL includes it (it does not change the "
            "gradient, but it changes the value).": nll - constant,
            f"You used a fixed n = {NOTEBOOK_N} (the notebook's N) instead of n = len(data).": 0.5 * squares / s**2
            + NOTEBOOK_N * t
            + 0.5 * NOTEBOOK_N * math.log(2 * math.pi),
            "The n log sigma term is missing.": 0.5 * squares / s**2 + constant,
            "You used n log(sigma^2) = 2 n log sigma; the NLL has n log sigma.": nll + n * t,
            "You averaged over the samples: the NLL is a sum over the n samples, not a mean.": nll / n,
            "theta[1] is log sigma: use sigma = exp(theta[1]).": sigma_as_theta,
        }

    return mistakes


def random_theta_and_data(rng, count=6):
    return [(random_theta(rng), random_data(rng, n)) for n in random_sizes(rng, count)]


@check(part="b", points=2)
def neg_log_likelihood_random_data(sub, ref, rng):
    """neg_log_likelihood(theta, data), with its 0.5 n log(2 pi) term, for data sets of several sizes n > 1."""
    compare_calls(
        sub.neg_log_likelihood,
        ref.neg_log_likelihood,
        random_theta_and_data(rng),
        tolerance=FORMULA,
        mistakes=nll_mistakes(ref),
    )


def grad_mistakes(ref):
    def mistakes(theta, data):
        g = ref.nll_grad(theta, data)
        s2 = math.exp(2 * theta[1])
        return {
            "The second component is the derivative with respect to sigma; the contract asks for log sigma "
            "(dL/dlog sigma = sigma dL/dsigma = n - sum (x_i - mu)^2 / sigma^2).": np.array(
                [g[0], g[1] / math.sqrt(s2)]
            ),
            "dL/dmu has the wrong sign: it is -sum(x_i - mu) / sigma^2.": np.array([-g[0], g[1]]),
            "dL/dlog sigma has the wrong sign: it is n - sum (x_i - mu)^2 / sigma^2.": np.array([g[0], -g[1]]),
            f"You used a fixed n = {NOTEBOOK_N} (the notebook's N) instead of n = len(data).": np.array(
                [g[0], g[1] - data.size + NOTEBOOK_N]
            ),
            "You averaged over the samples: the NLL is a sum over the samples, and so is its gradient.": g / data.size,
        }

    return mistakes


@check(part="b", points=1)
def nll_grad_random_data(sub, ref, rng):
    """nll_grad(theta, data) = (dL/dmu, dL/dlog sigma) for data sets of several sizes n > 1."""
    compare_calls(
        sub.nll_grad, ref.nll_grad, random_theta_and_data(rng), tolerance=GRADIENT, mistakes=grad_mistakes(ref)
    )


@check(part="b", points=1)
def nll_grad_matches_finite_differences(sub, ref, rng):
    """nll_grad agrees with centred finite differences of the NLL in (mu, log sigma)."""
    compare_calls(
        sub.nll_grad,
        gradient_by_finite_differences(ref.neg_log_likelihood),
        random_theta_and_data(rng, 3),
        tolerance=FINITE_DIFFERENCE_OF_NLL,
        mistakes=grad_mistakes(ref),
    )


# ------------------------------------------------------------------ (b) run_optimizer paths


def simulated_path(theta0, lr, n_steps, direction):
    """The path theta_{k+1} = theta_k - lr * direction(theta_k), to recognise a path's typical mistakes."""
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    for _ in range(n_steps):
        with np.errstate(all="ignore"):
            theta = theta - lr * direction(theta)
        path.append(theta.copy())
    return np.array(path)


ALIASED_PATH = (
    "Every row of your path after theta0 is the final theta: you appended the same array each time and then "
    "changed it in place (theta -= ...). Append a copy: path.append(theta.copy())."
)
ALIASED_ALL = (
    "Every row of your path, even row 0, is the final theta: you appended the same array each time and then "
    "changed it in place (theta -= ...). Append a copy: path.append(theta.copy())."
)


def path_mistakes(ref):
    def mistakes(theta0, data, lr, n_steps, use_natural=False):
        n = data.size
        F0 = ref.fisher_info(theta0, n)

        def grad(t):
            return ref.nll_grad(t, data)

        def natural(t):
            return np.linalg.solve(ref.fisher_info(t, n), grad(t))

        right = natural if use_natural else grad
        variants = [
            ("Your path climbs the NLL: each step goes against the gradient, theta - lr * step.", lambda t: -right(t))
        ]
        if use_natural:
            variants += [
                ("With use_natural=True the step is F^{-1} g (np.linalg.solve(F, g)), not F g.",
                 lambda t: ref.fisher_info(t, n) @ grad(t)),
                ("F must be evaluated at the current theta at every step, not only at theta0.",
                 lambda t: np.linalg.solve(F0, grad(t))),
                ("Your path is plain gradient descent: with use_natural=True each step is lr * F^{-1} g.", grad),
                ("Your Fisher matrix is that of one sample: for n samples F = diag(n / sigma^2, 2 n).",
                 lambda t: n * natural(t)),
            ]  # fmt: skip
        else:
            variants.append(("Your path uses the natural gradient although use_natural is False.", natural))
        found = {message: simulated_path(theta0, lr, n_steps, step) for message, step in variants}
        final = ref.run_optimizer(theta0, data, lr, n_steps, use_natural)[-1]
        found[ALIASED_ALL] = np.tile(final, (n_steps + 1, 1))
        found[ALIASED_PATH] = np.vstack([theta0, np.tile(final, (n_steps, 1))])
        return found

    return mistakes


def describe_run(function, args):
    """function.describe(args), but with use_natural shown as True/False rather than 1/0."""
    text = function.describe(args[:4])
    return text[:-1] + f", use_natural={bool(args[4])})" if len(args) > 4 else text


def rows_checked(function) -> Transformed:
    """run_optimizer, but a path with the wrong number of rows is explained before values are compared."""

    def rows(args, got):
        path = as_array(got)
        n_steps = args[3]
        if path is not None and path.ndim == 2 and path.shape[0] != n_steps + 1:
            hint = " Row 0 must be theta0 itself." if path.shape[0] == n_steps else ""
            raise CheckFailed(
                f"{describe_run(function, args)}: your path has {path.shape[0]} row(s); with n_steps = {n_steps} it"
                f" must have n_steps + 1 = {n_steps + 1}: theta0, then theta after each step.{hint}",
                diagnosis="Wrong number of rows in the path.",
            )
        return got

    return Transformed(function, rows, describe=lambda args: describe_run(function, args))


def random_runs(rng, natural, count=5):
    """(theta0, data, lr, n_steps[, use_natural]) with stable learning rates and 1-7 steps.

    The first run has a single step, so that a wildly wrong step (which may overflow after a few steps)
    is still finite there and its mistake can be named.
    """
    cases = []
    for i in range(count):
        theta0, data = random_theta(rng), random_data(rng, int(rng.integers(5, 40)))
        if natural:
            lr = float(rng.uniform(0.05, 0.5))
        else:  # plain GD is stable when lr * n / sigma^2 stays well below 2 along the path
            lr = float(rng.uniform(0.05, 0.2) * min(math.exp(2 * theta0[1]), np.var(data)) / data.size)
        case = (theta0, data, lr, 1 if i == 0 else int(rng.integers(2, 8)))
        cases.append(case if (i == 0 and not natural) else (*case, natural))  # once with the default use_natural
    return cases


@check(part="b", points=1)
def run_optimizer_gradient_descent_path(sub, ref, rng):
    """run_optimizer with use_natural=False (and by default): n_steps + 1 rows, theta0 first, then theta - lr * g."""
    compare_calls(
        rows_checked(sub.run_optimizer),
        ref.run_optimizer,
        random_runs(rng, natural=False),
        tolerance=CLOSED_FORM,
        mistakes=path_mistakes(ref),
    )


@check(part="b", points=1)
def run_optimizer_natural_gradient_path(sub, ref, rng):
    """run_optimizer with use_natural=True: n_steps + 1 rows, theta0 first, then theta - lr * F(theta)^{-1} g."""
    compare_calls(
        rows_checked(sub.run_optimizer),
        ref.run_optimizer,
        random_runs(rng, natural=True),
        tolerance=CLOSED_FORM,
        mistakes=path_mistakes(ref),
    )


@check(part="b", points=1)
def run_optimizer_leaves_theta0_unchanged(sub, ref, rng):
    """run_optimizer does not modify theta0 (nor data), with either use_natural (and its path is right)."""
    for natural in (False, True):
        theta0, data, lr, n_steps, _ = random_runs(rng, natural, count=2)[1]
        expect_unchanged(sub.run_optimizer, theta0, data, lr, n_steps, natural, right=ref.run_optimizer)


# ------------------------------------------------------------------ (d) convergence


def last_row(args, got):
    """The last row of a path (the whole answer when it is not a path)."""
    path = as_array(got)
    return path[-1] if path is not None and path.ndim == 2 and path.shape[0] > 0 else got


def end_point(function) -> Transformed:
    return Transformed(function, last_row, describe=lambda args: f"the last row of {describe_run(function, args)}")


def sample_mle(theta0, data, lr, n_steps, use_natural):
    """The exact maximum-likelihood estimate: the sample mean and the log of the population std (ddof=0)."""
    return np.array([np.mean(data), math.log(np.std(data))])


@check(part="d", points=1)
def run_optimizer_converges_to_sample_mle(sub, ref, rng):
    """300 natural steps (lr 0.1) from (0, 0) reach the exact MLE; 300 plain steps end where the reference's do."""
    natural_runs = []
    for _ in range(2):
        data = rng.normal(rng.uniform(1.0, 4.0), rng.uniform(0.4, 1.2), int(rng.integers(100, 600)))
        natural_runs.append((np.zeros(2), data, 0.1, 300, True))
    compare_calls(end_point(sub.run_optimizer), sample_mle, natural_runs, tolerance=MLE)
    data = rng.normal(rng.uniform(2.0, 3.5), rng.uniform(0.4, 0.7), int(rng.integers(200, 600)))
    plain_run = (np.zeros(2), data, float(0.2 * np.var(data) / data.size), 300, False)  # the notebook's 1e-4 at n=500
    compare_calls(end_point(sub.run_optimizer), end_point(ref.run_optimizer), [plain_run], tolerance=NUMERICAL)
