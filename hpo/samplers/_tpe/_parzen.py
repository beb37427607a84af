"""Parzen estimators: weighted mixtures of product kernels over a (sub)search space.

Every observation becomes one kernel: a truncated Gaussian per numerical parameter (in log space
for log-scaled ones, integrated over ``[x - step/2, x + step/2]`` for stepped ones) and a
smoothed one-hot distribution per categorical parameter. A prior kernel (wide Gaussian centred
on the domain, uniform over categories) is appended. Sampling and log-density evaluation are
vectorised over candidates and kernels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

_EPS = 1e-12
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _special():  # type: ignore[no-untyped-def]
    import scipy.special

    return scipy.special


@dataclass(frozen=True)
class ParamSpec:
    """How one parameter is modelled: bounds are in the transformed (log if ``log``) space."""

    kind: str  # "float" (continuous), "step" (stepped float or int) or "cat"
    log: bool
    low: float  # internal-representation bounds
    high: float
    step: float
    lo: float  # transformed bounds of the support, widened by step / 2 for stepped params
    hi: float
    n_choices: int


def param_spec(distribution: BaseDistribution) -> ParamSpec:
    """Describe ``distribution`` for the estimator."""
    if isinstance(distribution, CategoricalDistribution):
        n = len(distribution.choices)
        return ParamSpec("cat", False, 0.0, n - 1.0, 1.0, 0.0, n - 1.0, n)
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    low, high = float(distribution.low), float(distribution.high)
    step = distribution.step
    if step is None:
        kind, half = "float", 0.0
        step_f = 0.0
    else:
        kind, half = "step", float(step) / 2
        step_f = float(step)
    lo, hi = low - half, high + half
    if distribution.log:
        lo, hi = math.log(lo), math.log(hi)
    return ParamSpec(kind, bool(distribution.log), low, high, step_f, lo, hi, 0)


def log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails."""
    sp = _special()
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    # Plain difference where the mass is large enough to be exact; tails need care.
    mass = sp.ndtr(b) - sp.ndtr(a)
    with np.errstate(divide="ignore"):
        out = np.log(mass)
    small = mass < 1e-4
    if np.any(small):
        out[small] = _log_gauss_mass_tail(a[small], b[small])
    return out


def _log_gauss_mass_tail(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sp = _special()
    # Reflect so the interval never lies in the right tail: mass(a, b) == mass(-b, -a).
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    out = np.empty(lo.shape)
    left = hi <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.any(left):
            lh = sp.log_ndtr(hi[left])
            ll = sp.log_ndtr(lo[left])
            out[left] = lh + np.log1p(-np.exp(ll - lh))
        mid = ~left
        if np.any(mid):
            out[mid] = np.log1p(-sp.ndtr(lo[mid]) - sp.ndtr(-hi[mid]))
    return out


def sample_truncnorm(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Standard normal truncated to ``[a, b]`` by the inverse CDF at uniforms ``u``."""
    sp = _special()
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    with np.errstate(divide="ignore"):
        log_p = np.logaddexp(sp.log_ndtr(lo) + np.log1p(-u), sp.log_ndtr(hi) + np.log(u))
    z = sp.ndtri_exp(np.minimum(log_p, 0.0))
    z = np.where(flip, -z, z)
    return np.clip(z, a, b)


def _bandwidths(
    mus: np.ndarray, lo: np.ndarray, hi: np.ndarray, consider_endpoints: bool, magic_clip: bool
) -> np.ndarray:
    """Kernel widths from neighbour gaps: ``mus`` is ``(n, d)``, one column per parameter."""
    mus = np.asarray(mus, dtype=float)
    squeeze = mus.ndim == 1
    if squeeze:
        mus = mus[:, np.newaxis]
    n = len(mus)
    lo = np.atleast_1d(np.asarray(lo, dtype=float))
    hi = np.atleast_1d(np.asarray(hi, dtype=float))
    order = np.argsort(mus, axis=0)
    padded = np.concatenate([lo[np.newaxis], np.take_along_axis(mus, order, 0), hi[np.newaxis]])
    left = padded[1:-1] - padded[:-2]
    right = padded[2:] - padded[1:-1]
    sorted_sigmas = np.maximum(left, right)
    if not consider_endpoints and n >= 2:
        sorted_sigmas[0] = right[0]
        sorted_sigmas[-1] = left[-1]
    sigmas = np.empty_like(sorted_sigmas)
    np.put_along_axis(sigmas, order, sorted_sigmas, 0)
    width = hi - lo
    min_sigma = width / min(100.0, n + 2.0) if magic_clip else np.full_like(width, _EPS)
    sigmas = np.clip(sigmas, min_sigma, width)
    return sigmas[:, 0] if squeeze else sigmas


class ParzenEstimator:
    """A mixture with one kernel per observation plus a prior kernel.

    Numerical parameters are handled together as ``(n_kernels, n_numerical)`` arrays, so the
    cost in numpy calls does not grow with the number of parameters.

    Args:
        observations: ``(n, d)`` internal values, column ``j`` for ``specs[j]``.
        specs: One :class:`ParamSpec` per column.
        weights: ``(n,)`` non-negative observation weights.
        prior_weight: Weight of the prior kernel.
        consider_endpoints: Let the domain ends set the bandwidth of the extreme kernels.
        magic_clip: Bound bandwidths from below by ``width / min(100, n + 2)``.
    """

    def __init__(
        self,
        observations: np.ndarray,
        specs: Sequence[ParamSpec],
        weights: np.ndarray,
        prior_weight: float,
        consider_endpoints: bool = False,
        magic_clip: bool = True,
    ) -> None:
        n = len(observations)
        self._specs = list(specs)
        observations = np.asarray(observations, dtype=float).reshape(n, len(self._specs))
        if n == 0:
            mix = np.array([1.0])
        else:
            mix = np.append(np.asarray(weights, dtype=float), prior_weight)
        self._weights = mix / mix.sum()
        with np.errstate(divide="ignore"):
            log_const = np.log(self._weights)
        self._cat = [j for j, sp in enumerate(self._specs) if sp.kind == "cat"]
        self._num = [j for j, sp in enumerate(self._specs) if sp.kind != "cat"]
        self._cat_probs: list[np.ndarray] = []
        self._cat_log_probs: list[np.ndarray] = []
        for j in self._cat:
            n_choices = self._specs[j].n_choices
            probs = np.full((n + 1, n_choices), prior_weight / (n + 1))
            probs[np.arange(n), observations[:, j].astype(int)] += 1.0
            sums = probs.sum(axis=1, keepdims=True)
            probs /= np.where(sums == 0, 1.0, sums)
            self._cat_probs.append(probs)
            with np.errstate(divide="ignore"):
                self._cat_log_probs.append(np.log(probs))
        if self._num:
            num_specs = [self._specs[j] for j in self._num]
            self._lo = np.array([sp.lo for sp in num_specs])
            self._hi = np.array([sp.hi for sp in num_specs])
            self._low = np.array([sp.low for sp in num_specs])
            self._high = np.array([sp.high for sp in num_specs])
            self._step = np.array([sp.step for sp in num_specs])
            self._is_log = np.array([sp.log for sp in num_specs])
            self._is_step = np.array([sp.kind == "step" for sp in num_specs])
            mus = observations[:, self._num]
            if self._is_log.any():
                mus = mus.copy()
                mus[:, self._is_log] = np.log(mus[:, self._is_log])
            sigmas = _bandwidths(mus, self._lo, self._hi, consider_endpoints, magic_clip)
            self._mus = np.concatenate([mus, (0.5 * (self._lo + self._hi))[np.newaxis]])
            self._sigmas = np.concatenate([sigmas, (self._hi - self._lo)[np.newaxis]])
            self._a = (self._lo - self._mus) / self._sigmas
            self._b = (self._hi - self._mus) / self._sigmas
            self._log_norm = log_gauss_mass(self._a, self._b)
            cont = ~self._is_step
            if cont.any():
                log_const -= np.sum(
                    np.log(self._sigmas[:, cont]) + self._log_norm[:, cont], axis=1
                ) + _LOG_SQRT_2PI * int(cont.sum())
                self._cont = np.flatnonzero(cont)
                self._inv_sigma_cont = np.sqrt(0.5) / self._sigmas[:, cont]
            else:
                self._cont = np.zeros(0, dtype=int)
        self._log_const = log_const

    def sample(self, rng: np.random.RandomState, size: int) -> np.ndarray:
        """Draw ``size`` points; returns ``(size, d)`` internal values."""
        active = rng.choice(len(self._weights), p=self._weights, size=size)
        out = np.empty((size, len(self._specs)))
        # Categorical columns draw their uniforms first, then the numerical ones column by column.
        for j, probs in zip(self._cat, self._cat_probs):
            cum = np.cumsum(probs[active], axis=1)
            cum[:, -1] = 1.0
            u = rng.random_sample(size)
            out[:, j] = np.sum(cum < u[:, np.newaxis], axis=1)
        if self._num:
            u = rng.random_sample((len(self._num), size)).T
            z = sample_truncnorm(self._a[active], self._b[active], u)
            x = self._mus[active] + self._sigmas[active] * z
            if self._is_log.any():
                x[:, self._is_log] = np.exp(x[:, self._is_log])
            if self._is_step.any():
                st = self._is_step
                low, step = self._low[st], self._step[st]
                x[:, st] = low + np.round((x[:, st] - low) / step) * step
            out[:, self._num] = np.clip(x, self._low, self._high)
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density (log mass for discrete parameters) of each row of ``x`` (``(m, d)``)."""
        total = np.empty((len(x), len(self._weights)))
        total[:] = self._log_const
        for j, log_probs in zip(self._cat, self._cat_log_probs):
            total += log_probs[:, x[:, j].astype(int)].T
        if self._num:
            if self._cont.size:
                cols = [self._num[k] for k in self._cont]
                xc = x[:, cols]
                logs = self._is_log[self._cont]
                if logs.any():
                    xc = xc.copy()
                    xc[:, logs] = np.log(xc[:, logs])
                z = xc[:, np.newaxis, :] - self._mus[:, self._cont]
                z *= self._inv_sigma_cont
                total -= np.einsum("mkd,mkd->mk", z, z)
            for k in np.flatnonzero(self._is_step):
                total += self._log_step_mass(x[:, self._num[k]], k)
        peak = np.max(total, axis=1)
        peak[np.isneginf(peak)] = 0.0
        total -= peak[:, np.newaxis]
        np.exp(total, out=total)
        with np.errstate(divide="ignore"):
            return np.log(np.sum(total, axis=1)) + peak

    def _log_step_mass(self, xj: np.ndarray, k: int) -> np.ndarray:
        mus, sigmas = self._mus[:, k], self._sigmas[:, k]
        step = self._step[k]
        # Candidates and kernels repeat a lot for integers: evaluate unique pairs only.
        x_uniq, x_inv = np.unique(xj, return_inverse=True)
        k_uniq, k_inv = np.unique(mus + 1j * sigmas, return_inverse=True)
        mu_u, sigma_u = k_uniq.real, k_uniq.imag
        left = x_uniq - step / 2
        right = x_uniq + step / 2
        if self._is_log[k]:
            left, right = np.log(left), np.log(right)
        a = (left[:, np.newaxis] - mu_u) / sigma_u
        b = (right[:, np.newaxis] - mu_u) / sigma_u
        mass = log_gauss_mass(a, b)
        return mass[np.ix_(x_inv.ravel(), k_inv.ravel())] - self._log_norm[:, k]
