"""The numerical core of TPE: Gaussian masses, truncated sampling and Parzen estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.samplers._tpe._parzen import (
    ParzenEstimator,
    bandwidths,
    log_gauss_mass,
    param_spec,
    sample_truncnorm,
)


def test_log_gauss_mass_matches_direct_difference_in_the_bulk() -> None:
    rng = np.random.RandomState(0)
    a = rng.uniform(-3, 2, 500)
    b = a + rng.uniform(0.01, 3, 500)
    expected = np.log(special.ndtr(b) - special.ndtr(a))
    np.testing.assert_allclose(log_gauss_mass(a, b), expected, rtol=1e-10)


@pytest.mark.parametrize("a,b", [(-40.0, -39.0), (39.0, 40.0), (-60.0, -59.999), (30.0, 31.0)])
def test_log_gauss_mass_is_accurate_in_the_tails(a: float, b: float) -> None:
    lo, hi = (a, b) if b <= 0 else (-b, -a)
    expected = special.log_ndtr(hi) + math.log1p(
        -math.exp(special.log_ndtr(lo) - special.log_ndtr(hi))
    )
    got = log_gauss_mass(np.array([a]), np.array([b]))[0]
    assert math.isfinite(got)
    assert got == pytest.approx(expected, rel=1e-9)


def test_truncnorm_samples_stay_inside_even_far_in_the_tails() -> None:
    rng = np.random.RandomState(1)
    a = np.array([-1.0, 5.0, -50.0, 30.0, -0.1])
    b = np.array([1.0, 6.0, -49.0, 31.0, 0.1])
    for _ in range(20):
        z = sample_truncnorm(a, b, rng.random_sample(len(a)))
        assert np.all(z >= a) and np.all(z <= b)
        assert np.all(np.isfinite(z))


def test_truncnorm_samples_follow_the_truncated_normal() -> None:
    rng = np.random.RandomState(2)
    n = 20000
    a, b = np.full(n, -0.5), np.full(n, 2.0)
    z = sample_truncnorm(a, b, rng.random_sample(n))
    result = stats.kstest(z, stats.truncnorm(-0.5, 2.0).cdf)
    assert result.pvalue > 1e-3


def test_bandwidths_use_neighbour_gaps_and_clip() -> None:
    mus = np.array([0.0, 1.0, 3.0, 6.0])
    sigmas = bandwidths(mus, -10.0, 10.0, consider_endpoints=False, magic_clip=False)
    # Interior kernels take the larger gap; extreme kernels ignore the domain ends.
    np.testing.assert_allclose(sigmas, [1.0, 2.0, 3.0, 3.0])
    with_ends = bandwidths(mus, -10.0, 10.0, consider_endpoints=True, magic_clip=False)
    np.testing.assert_allclose(with_ends, [10.0, 2.0, 3.0, 4.0])
    clipped = bandwidths(np.array([0.0, 0.0, 0.0]), -10.0, 10.0, False, magic_clip=True)
    np.testing.assert_allclose(clipped, 20.0 / 5)


def _estimator(dist, observations, prior_weight=1.0):  # type: ignore[no-untyped-def]
    obs = np.asarray(observations, dtype=float)[:, np.newaxis]
    return ParzenEstimator(obs, [param_spec(dist)], np.ones(len(obs)), prior_weight)


@pytest.mark.parametrize(
    "dist", [FloatDistribution(-2.0, 3.0), FloatDistribution(1e-3, 10.0, log=True)]
)
def test_continuous_density_integrates_to_one(dist: FloatDistribution) -> None:
    est = _estimator(dist, [0.5, 1.0, 2.9, 0.01 if dist.log else -1.9])
    if dist.log:
        grid = np.linspace(math.log(dist.low), math.log(dist.high), 20001)
        density = np.exp(est.log_pdf(np.exp(grid)[:, np.newaxis]))  # density in log space
    else:
        grid = np.linspace(dist.low, dist.high, 20001)
        density = np.exp(est.log_pdf(grid[:, np.newaxis]))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "dist,observations",
    [
        (IntDistribution(-3, 7), [0, 0, 5, 7]),
        (IntDistribution(1, 100, log=True), [1, 3, 50]),
        (IntDistribution(0, 20, step=4), [4, 8, 20]),
        (FloatDistribution(0.0, 1.0, step=0.1), [0.1, 0.5, 0.5]),
        (CategoricalDistribution(["a", "b", "c", "d"]), [0, 2, 2]),
    ],
)
def test_discrete_masses_sum_to_one(dist, observations) -> None:  # type: ignore[no-untyped-def]
    est = _estimator(dist, observations)
    if isinstance(dist, CategoricalDistribution):
        values = np.arange(len(dist.choices), dtype=float)
    else:
        step = dist.step
        n = int(round((dist.high - dist.low) / step))
        values = dist.low + step * np.arange(n + 1)
    assert np.exp(est.log_pdf(values[:, np.newaxis])).sum() == pytest.approx(1.0, abs=1e-9)


def test_samples_are_valid_values_of_every_kind() -> None:
    dists = [
        FloatDistribution(-1.0, 1.0),
        FloatDistribution(1e-4, 1.0, log=True),
        FloatDistribution(0.0, 1.0, step=0.25),
        IntDistribution(2, 9),
        IntDistribution(1, 1000, log=True),
        CategoricalDistribution([None, 1, "x"]),
    ]
    obs = np.array(
        [[0.2, 1e-3, 0.5, 3, 10, 0], [-0.9, 0.5, 1.0, 9, 900, 2], [0.9, 1e-4, 0.0, 2, 1, 1]]
    )
    est = ParzenEstimator(obs, [param_spec(d) for d in dists], np.ones(3), 1.0)
    samples = est.sample(np.random.RandomState(0), 500)
    for j, dist in enumerate(dists):
        for value in samples[:, j]:
            assert dist._contains(float(value)), (dist, value)
    assert set(np.unique(samples[:, 2])) <= {0.0, 0.25, 0.5, 0.75, 1.0}
    assert np.all(samples[:, 3] == np.round(samples[:, 3]))


def test_prior_only_when_there_are_no_observations() -> None:
    dist = FloatDistribution(0.0, 10.0)
    est = ParzenEstimator(np.zeros((0, 1)), [param_spec(dist)], np.zeros(0), 1.0)
    x = np.array([[0.0], [5.0], [10.0]])
    expected = stats.truncnorm(-0.5, 0.5, loc=5.0, scale=10.0).logpdf(x[:, 0])
    np.testing.assert_allclose(est.log_pdf(x), expected, rtol=1e-10)


def test_density_concentrates_on_heavily_weighted_observations() -> None:
    dist = FloatDistribution(0.0, 10.0)
    obs = np.array([[1.0], [9.0]])
    est = ParzenEstimator(obs, [param_spec(dist)], np.array([10.0, 0.1]), 1.0)
    low, high = est.log_pdf(np.array([[1.0], [9.0]]))
    assert low > high


def test_joint_log_pdf_is_the_mixture_of_products() -> None:
    dists = [FloatDistribution(0.0, 1.0), CategoricalDistribution(["p", "q"])]
    obs = np.array([[0.2, 0.0], [0.8, 1.0]])
    est = ParzenEstimator(obs, [param_spec(d) for d in dists], np.ones(2), 1.0)
    # Marginalising the categorical column gives the 1-D mixture over the float column.
    x = np.array([[0.3, 0.0], [0.3, 1.0]])
    joint = np.exp(est.log_pdf(x)).sum()
    marginal = ParzenEstimator(obs[:, :1], [param_spec(dists[0])], np.ones(2), 1.0)
    assert joint == pytest.approx(float(np.exp(marginal.log_pdf(x[:1, :1]))[0]), rel=1e-10)


# --- the fast paths of log_pdf against a direct sum over kernels ---------------------------------


def _direct_log_pdf(est: ParzenEstimator, specs, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """log sum_k w_k prod_d K_kd(x_d), each factor from scipy, kernel by kernel."""
    out = []
    for row in x:
        terms = []
        for k, w in enumerate(est._weights):
            log_term = math.log(w) if w > 0 else -math.inf
            num = 0
            for j, spec in enumerate(specs):
                if spec.kind == "cat":
                    probs = est._cat_probs[
                        [i for i, s in enumerate(specs) if s.kind == "cat"].index(j)
                    ]
                    log_term += math.log(probs[k, int(row[j])])
                    continue
                mu, sigma = est._mus[k, num], est._sigmas[k, num]
                num += 1
                dist = stats.truncnorm((spec.lo - mu) / sigma, (spec.hi - mu) / sigma, mu, sigma)
                if spec.kind == "step":
                    left, right = row[j] - spec.step / 2, row[j] + spec.step / 2
                    if spec.log:
                        left, right = math.log(left), math.log(right)
                    with np.errstate(divide="ignore"):  # far cells: their mass underflows
                        log_term += np.log(dist.cdf(right) - dist.cdf(left))
                else:
                    log_term += dist.logpdf(math.log(row[j]) if spec.log else row[j])
            terms.append(log_term)
        out.append(special.logsumexp(terms))
    return np.array(out)


def test_log_pdf_is_the_weighted_sum_of_kernel_products() -> None:
    dists = [
        FloatDistribution(-3.0, 3.0),
        FloatDistribution(1e-3, 1.0, log=True),
        IntDistribution(0, 12),  # small grid: cached cell masses
        IntDistribution(1, 5000),  # large grid: masses computed directly
        CategoricalDistribution(["a", "b", "c"]),
    ]
    specs = [param_spec(d) for d in dists]
    rng = np.random.RandomState(7)
    obs = np.column_stack(
        [
            rng.uniform(-3, 3, 30),
            np.exp(rng.uniform(math.log(1e-3), 0, 30)),
            rng.randint(0, 13, 30),
            rng.randint(1, 5001, 30),
            rng.randint(0, 3, 30),
        ]
    ).astype(float)
    est = ParzenEstimator(obs, specs, rng.uniform(0.1, 1.0, 30), 1.0)
    x = est.sample(rng, 12)
    np.testing.assert_allclose(est.log_pdf(x), _direct_log_pdf(est, specs, x), rtol=1e-9)


def test_log_pdf_far_from_every_kernel_falls_back_to_exact_maxima() -> None:
    # Narrow kernels (no bandwidth floor) in many dimensions: far from them the density is
    # below the shift used by the fast path by more than the exp() floor.
    dists = [FloatDistribution(0.0, 1.0)] * 12
    specs = [param_spec(d) for d in dists]
    obs = np.full((3, 12), 0.01)
    obs[1] += 0.002
    obs[2] += 0.004
    est = ParzenEstimator(obs, specs, np.ones(3), 1e-300, magic_clip=False)
    x = np.vstack([np.full(12, 0.011), np.full(12, 0.9), np.full(12, 0.5)])
    calls: list[tuple[int, bool]] = []
    fast = est._log_pdf

    def spy(rows: np.ndarray, exact_peak: bool = False) -> np.ndarray:
        calls.append((len(rows), exact_peak))
        return fast(rows, exact_peak)

    est._log_pdf = spy  # type: ignore[method-assign]
    got = est.log_pdf(x)
    assert calls == [(3, False), (2, True)]  # the two far rows were redone
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, fast(x, exact_peak=True), rtol=1e-12)
    np.testing.assert_allclose(got, _direct_log_pdf(est, specs, x), rtol=1e-9)


def test_sampling_consumes_the_random_stream_like_choice() -> None:
    dists = [FloatDistribution(0.0, 1.0), CategoricalDistribution(["p", "q"])]
    specs = [param_spec(d) for d in dists]
    obs = np.array([[0.1, 0.0], [0.5, 1.0], [0.9, 1.0]])
    est = ParzenEstimator(obs, specs, np.array([0.2, 1.0, 0.5]), 1.0)
    rng, reference = np.random.RandomState(3), np.random.RandomState(3)
    est.sample(rng, 24)
    reference.choice(len(est._weights), p=est._weights, size=24)
    reference.random_sample(24)  # the categorical column
    reference.random_sample((1, 24))  # the numerical one
    assert rng.random_sample() == reference.random_sample()
