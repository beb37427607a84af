"""TPE's plain-numpy normal distribution functions, checked against scipy and mpmath."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import special

from hpo.samplers._tpe import _gauss, _gauss_tables
from hpo.samplers._tpe._gauss import (
    log_central_mass,
    log_gauss_mass,
    log_ndtr,
    ndtr,
    ndtri_exp,
    sample_truncnorm,
    scaled_tail,
)


def _rel(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = np.abs(got - want) / np.abs(want)
    out[got == want] = 0.0
    return out


def test_tables_are_what_the_derivation_gives() -> None:
    pytest.importorskip("mpmath")
    tail, inverse = _gauss_tables.derive()
    np.testing.assert_array_equal(tail, _gauss_tables.SCALED_TAIL)
    np.testing.assert_array_equal(inverse, _gauss_tables.INVERSE_TAIL)


def test_scaled_tail_matches_high_precision() -> None:
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    rng = np.random.RandomState(0)
    u = np.concatenate(
        [rng.uniform(0, 2, 200), rng.uniform(0, 60, 200), 10 ** rng.uniform(1, 8, 100)]
    )
    big = [mp.mpf(float(x)) for x in u]
    want = np.array([float(mp.erfc(x / mp.sqrt(2)) / 2 * mp.exp(x * x / 2)) for x in big])
    assert _rel(scaled_tail(u), want).max() < 1e-15
    assert scaled_tail(np.array([np.inf]))[0] < 1e-299
    assert np.isnan(scaled_tail(np.array([np.nan]))[0])


def test_log_ndtr_and_ndtr_match_scipy_from_tail_to_tail() -> None:
    rng = np.random.RandomState(1)
    x = np.concatenate(
        [
            rng.uniform(-40, 5, 20000),
            rng.uniform(-1, 1, 5000),
            -np.logspace(-3, 150, 2000),  # far left tail: log Phi ~ -x**2 / 2
        ]
    )
    assert _rel(log_ndtr(x), special.log_ndtr(x)).max() < 1e-14
    want = special.ndtr(x)
    normal = want > 1e-300  # below, results are flushed to zero
    # scipy's own error reaches 1e-13 in the tails (see the mpmath test below).
    assert _rel(ndtr(x)[normal], want[normal]).max() < 3e-13
    assert np.all(ndtr(x)[~normal] < 1e-299)
    assert log_ndtr(np.array([-np.inf]))[0] == -np.inf
    assert log_ndtr(np.array([np.inf]))[0] == 0.0


def test_ndtr_and_log_ndtr_are_accurate_in_the_tails() -> None:
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    x = np.array([3.3, 5.5, 8.0, 17.6, 25.0, 31.6, 35.0, 37.5])
    for value, point in zip(log_ndtr(x), x):
        exact = mp.log1p(-mp.ncdf(-mp.mpf(float(point))))  # -Phi(-x), tiny
        assert abs((value - exact) / exact) < 5e-16
    for value, point in zip(ndtr(-x), x):
        exact = mp.ncdf(-mp.mpf(float(point)))
        assert abs((value - exact) / exact) < 5e-16
    assert np.all(np.abs(log_ndtr(np.array([40.0, 1e10]))) < 1e-300)


def test_ndtri_exp_inverts_log_ndtr_like_scipy() -> None:
    rng = np.random.RandomState(2)
    log_p = np.concatenate(
        [
            np.log(rng.uniform(0, 1, 20000)),
            -np.logspace(-300, 3.3, 3000),  # from p near 1 to the end of the tables (s = 64)
            [np.log(0.5), 0.0, -np.inf],
        ]
    )
    got, want = ndtri_exp(log_p), special.ndtri_exp(log_p)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite])
    error = np.abs(got[finite] - want[finite])
    assert np.all((error < 1e-15) | (error < 5e-15 * np.abs(want[finite])))


def test_ndtri_exp_is_accurate_beyond_the_tables() -> None:
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    log_p = np.array([-2100.0, -3000.0, -1e5, -8e5])
    got = ndtri_exp(log_p)
    for z, target in zip(got, log_p):
        exact = mp.findroot(lambda x, t=target: mp.log(mp.ncdf(x)) - t, mp.mpf(float(z)))
        assert abs((z - exact) / exact) < 1e-15


@pytest.mark.parametrize("a,b", [(-40.0, -39.0), (39.0, 40.0), (-60.0, -59.999), (30.0, 31.0)])
def test_log_gauss_mass_is_accurate_in_the_tails(a: float, b: float) -> None:
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    lo, hi = (a, b) if b <= 0 else (-b, -a)  # the same mass, without cancellation
    want = float(mp.log(mp.ncdf(hi) - mp.ncdf(lo)))
    got = log_gauss_mass(np.array([a]), np.array([b]))[0]
    assert got == pytest.approx(want, rel=1e-12)


def test_log_gauss_mass_matches_scipy_over_many_intervals() -> None:
    rng = np.random.RandomState(3)
    a = np.concatenate([rng.uniform(-50, 50, 5000), rng.uniform(-3, 3, 5000)])
    b = a + np.concatenate([rng.exponential(1, 5000), rng.uniform(0.5, 4, 5000)])
    lo, hi = np.where(a > 0, -b, a), np.where(a > 0, -a, b)
    with np.errstate(divide="ignore"):
        lh, ll = special.log_ndtr(hi), special.log_ndtr(lo)
        want = np.where(
            hi <= 0,
            lh + np.log1p(-np.exp(ll - lh)),
            np.log1p(-special.ndtr(lo) - special.ndtr(-hi)),
        )
    assert _rel(log_gauss_mass(a, b), want).max() < 1e-12


def test_log_central_mass_is_the_mass_around_zero() -> None:
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    rng = np.random.RandomState(4)
    ua, ub = rng.exponential(2, 300), rng.exponential(2, 300)
    want = np.array(
        [
            float(mp.log(mp.ncdf(mp.mpf(float(b))) - mp.ncdf(-mp.mpf(float(a)))))
            for a, b in zip(ua, ub)
        ]
    )
    mass = np.exp(want)
    # Accurate to rounding of the mass (1 - two tails), which is what a normaliser needs.
    assert np.all(np.abs(log_central_mass(ua, ub) - want) < 1e-15 / mass)
    assert log_central_mass(np.array([40.0]), np.array([50.0]))[0] == 0.0


def test_truncnorm_samples_stay_inside_even_far_in_the_tails() -> None:
    rng = np.random.RandomState(5)
    a = np.array([-1.0, 5.0, -50.0, 30.0, -0.1, 70.0, -1e3])
    b = np.array([1.0, 6.0, -49.0, 31.0, 0.1, 70.5, -999.0])
    for _ in range(20):
        z = sample_truncnorm(a, b, rng.random_sample(len(a)))
        assert np.all(z >= a) and np.all(z <= b)
        assert np.all(np.isfinite(z))


def test_truncnorm_uses_the_inverse_cdf_like_scipy() -> None:
    rng = np.random.RandomState(6)
    a = rng.uniform(-5, 3, 2000)
    b = a + rng.uniform(0.01, 4, 2000)
    u = rng.random_sample(2000)
    lo, hi = np.where(a > 0, -b, a), np.where(a > 0, -a, b)
    log_p = np.logaddexp(special.log_ndtr(lo) + np.log1p(-u), special.log_ndtr(hi) + np.log(u))
    z = special.ndtri_exp(np.minimum(log_p, 0.0))
    want = np.clip(np.where(a > 0, -z, z), a, b)
    np.testing.assert_allclose(sample_truncnorm(a, b, u), want, rtol=1e-13, atol=1e-13)


def test_tpe_does_not_import_scipy() -> None:
    code = (
        "import sys, hpo\n"
        "hpo.logging.set_verbosity(hpo.logging.WARNING)\n"
        "study = hpo.create_study(sampler=hpo.samplers.TPESampler(seed=0, n_startup_trials=3))\n"
        "study.optimize(lambda t: t.suggest_float('x', -1, 1) ** 2 + t.suggest_int('n', 0, 9)"
        ", n_trials=8)\n"
        "print('scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_exp_floor_is_where_exp_stops_being_normal() -> None:
    assert math.exp(_gauss._EXP_FLOOR) > sys.float_info.min
    assert math.exp(_gauss._EXP_FLOOR - 1) < 2 * sys.float_info.min
