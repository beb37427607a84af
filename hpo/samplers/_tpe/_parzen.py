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

import numpy as np

from hpo.samplers._tpe._gauss import (
    _log_gauss_mass,
    log_central_mass,
    log_gauss_mass,
    sample_truncnorm,
)
from hpo.samplers._tpe._kernels import (
    ParamSpec,
    bandwidths,
    kernel_groups,
    layout,
    param_spec,
    scratch,
    sorted_bandwidths,
    unique_small,
)

__all__ = [
    "ParamSpec",
    "ParzenEstimator",
    "bandwidths",
    "log_gauss_mass",
    "param_spec",
    "sample_truncnorm",
]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# Kernels more than this far (in log density) below a candidate's best kernel add less than
# 1e-300 of it to the mixture: exp() of them is skipped (it is slow where it underflows).
_LOG_FLOOR = -700.0
# A candidate whose terms sum below this (relative to its shift) is recomputed with its exact
# maximum: its floored terms could otherwise matter.
_SUM_FLOOR = math.exp(-550.0)


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
        self._specs = tuple(specs)
        self._layout = lay = layout(self._specs)
        observations = np.asarray(observations, dtype=float).reshape(n, len(self._specs))
        mix = np.empty(n + 1)
        mix[:n] = weights
        mix[n] = prior_weight if n else 1.0
        mix /= mix.sum()
        self._weights = mix
        if mix.min() > 0:
            log_const = np.log(mix)
        else:
            with np.errstate(divide="ignore"):
                log_const = np.log(mix)
        self._cat_probs: list[np.ndarray] = []
        self._cat_log_probs: list[np.ndarray] = []  # (n_choices, n_kernels) each
        for j in lay.cat:
            n_choices = self._specs[j].n_choices
            probs = np.full((n + 1, n_choices), prior_weight / (n + 1))
            probs[np.arange(n), observations[:, j].astype(int)] += 1.0
            sums = probs.sum(axis=1, keepdims=True)
            probs /= np.where(sums == 0, 1.0, sums)
            self._cat_probs.append(probs)
            with np.errstate(divide="ignore"):
                self._cat_log_probs.append(np.ascontiguousarray(np.log(probs).T))
        if lay.num:
            self._init_numerical(observations, n, consider_endpoints, magic_clip, log_const)
        self._log_const = log_const

    def _init_numerical(
        self,
        observations: np.ndarray,
        n: int,
        consider_endpoints: bool,
        magic_clip: bool,
        log_const: np.ndarray,
    ) -> None:
        lay = self._layout
        # Column-major: every per-parameter operation below works on a contiguous column.
        self._mus = mus = np.empty((n + 1, len(lay.num)), order="F")
        mus[:n] = (
            observations if len(lay.num) == observations.shape[1] else observations[:, lay.num]
        )
        mus[n] = lay.prior_mu
        if lay.any_log:
            mus[:n, lay.is_log] = np.log(mus[:n, lay.is_log])
        self._sigmas = sigmas = np.empty_like(mus)
        order = sorted_bandwidths(
            mus[:n], lay.lo, lay.hi, consider_endpoints, magic_clip, sigmas[:n]
        )
        sigmas[n] = lay.prior_sigma
        # Stepped columns: kernel groups (the prior kernel, last, is a group of its own).
        self._groups: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in lay.stepped:
            self._groups[k] = kernel_groups(mus[:n, k], sigmas[:n, k], order[k])
        cont = lay.cont
        if cont:
            mus_c = self._mus[:, cont]
            sigmas_c = self._sigmas[:, cont]
            # Kernels are centred inside the support: the normaliser is a central mass.
            log_norm = log_central_mass(
                (mus_c - lay.lo[cont]) / sigmas_c, (lay.hi[cont] - mus_c) / sigmas_c
            )
            log_const -= np.sum(np.log(sigmas_c) + log_norm, axis=1) + _LOG_SQRT_2PI * len(cont)
            self._inv_sigma_cont = np.asfortranarray(np.sqrt(0.5) / sigmas_c)

    def sample(self, rng: np.random.RandomState, size: int) -> np.ndarray:
        """Draw ``size`` points; returns ``(size, d)`` internal values."""
        lay = self._layout
        # What rng.choice(len(weights), p=weights, size=size) does, without its checks.
        cdf = self._weights.cumsum()
        cdf /= cdf[-1]
        active = cdf.searchsorted(rng.random_sample(size), side="right")
        out = np.empty((size, len(self._specs)))
        # Categorical columns draw their uniforms first, then the numerical ones column by column.
        for j, probs in zip(lay.cat, self._cat_probs):
            cum = np.cumsum(probs[active], axis=1)
            cum[:, -1] = 1.0
            u = rng.random_sample(size)
            out[:, j] = np.sum(cum < u[:, np.newaxis], axis=1)
        if lay.num:
            u = rng.random_sample((len(lay.num), size)).T
            mus, sigmas = self._mus[active], self._sigmas[active]
            a = (lay.lo - mus) / sigmas
            b = (lay.hi - mus) / sigmas
            x = mus + sigmas * sample_truncnorm(a, b, u)
            if lay.any_log:
                x[:, lay.is_log] = np.exp(x[:, lay.is_log])
            if lay.any_step:
                st = lay.is_step
                low, step = lay.low[st], lay.step[st]
                x[:, st] = low + np.round((x[:, st] - low) / step) * step
            np.maximum(x, lay.low, out=x)
            out[:, lay.num] = np.minimum(x, lay.high, out=x)
        return out

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """Log density (log mass for discrete parameters) of each row of ``x`` (``(m, d)``)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._log_pdf(x)

    def _log_pdf(self, x: np.ndarray, exact_peak: bool = False) -> np.ndarray:
        lay = self._layout
        m = len(x)
        shape = (m, len(self._weights))  # candidates x kernels
        # These arrays are large: reuse buffers rather than fresh allocations, whose page
        # faults cost more than the arithmetic.
        total, work = scratch(0, shape), scratch(1, shape)
        # Terms are shifted by an upper bound of each row (categorical and Gaussian terms are
        # <= 0), which spares a pass for the maxima; rows far below it are redone exactly.
        top = float(self._log_const.max())
        shift = np.full(m, top if np.isfinite(top) else 0.0)
        log_const = self._log_const - shift[0]
        started = False
        if lay.cat:
            total[:] = log_const
            started = True
            for j, log_probs in zip(lay.cat, self._cat_log_probs):
                log_probs.take(x[:, j].astype(np.intp), axis=0, out=work, mode="wrap")
                total += work
        for i, k in enumerate(lay.cont):
            xk = x[:, lay.num[k]]
            if lay.is_log[k]:
                xk = np.log(xk)
            z = work if i == 0 else scratch(2, shape)
            np.subtract.outer(xk, self._mus[:, k], out=z)
            z *= self._inv_sigma_cont[:, i]
            z *= z
            if i:
                work += z
        if lay.cont:
            if started:
                total -= work
            else:
                np.subtract(log_const, work, out=total)
                started = True
        for k in lay.stepped:
            shift += self._log_step_mass(x[:, lay.num[k]], k, out=work)
            if started:
                total += work
            else:
                np.add(log_const, work, out=total)
                started = True
        if not started:
            total[:] = log_const
        if exact_peak:
            peak = total.max(axis=1)
            peak[np.isneginf(peak)] = 0.0
            total -= peak[:, np.newaxis]
            shift += peak
        np.maximum(total, _LOG_FLOOR, out=total)
        np.exp(total, out=total)
        sums = np.add.reduce(total, axis=1)
        out = np.log(sums)
        out += shift
        if not exact_peak:
            (low,) = (sums < _SUM_FLOOR).nonzero()
            if len(low):
                out[low] = self._log_pdf(x[low], exact_peak=True)
        return out

    def _log_step_mass(self, xj: np.ndarray, k: int, out: np.ndarray) -> np.ndarray:
        """Write the log masses of the grid cells of ``xj`` under each kernel, less their
        maximum over kernels, to ``out`` (candidates x kernels); return the maxima."""
        lay = self._layout
        groups, members = self._groups[k]
        mus, sigmas = self._mus[members, k], self._sigmas[members, k]
        grid = lay.grids.get(k)
        cells = None if grid is None else grid.cells(xj)
        if grid is not None and cells is not None:
            table = grid.table(mus, sigmas).T[cells]  # candidates x groups
        else:
            table = _direct_step_masses(
                xj, mus, sigmas, lay.step[k], lay.is_log[k], lay.lo[k], lay.hi[k]
            )
        top = table.max(axis=1)
        top[~np.isfinite(top)] = 0.0
        table -= top[:, np.newaxis]
        table.take(groups, axis=1, out=out, mode="wrap")
        return top


def _direct_step_masses(
    xj: np.ndarray,
    mus: np.ndarray,
    sigmas: np.ndarray,
    step: float,
    log: bool,
    lo: float,
    hi: float,
) -> np.ndarray:
    """``(m, kernels)`` log masses of the cells of ``xj``, normalised by the support's."""
    x_uniq, x_inv = unique_small(xj)
    # One extra column: the whole support, whose mass normalises each kernel.
    u = len(x_uniq)
    left, right = np.empty(u + 1), np.empty(u + 1)
    np.subtract(x_uniq, step / 2, out=left[:u])
    np.add(x_uniq, step / 2, out=right[:u])
    if log:
        np.log(left[:u], out=left[:u])
        np.log(right[:u], out=right[:u])
    left[u], right[u] = lo, hi
    a = (left - mus[:, np.newaxis]) / sigmas[:, np.newaxis]
    b = (right - mus[:, np.newaxis]) / sigmas[:, np.newaxis]
    mass = _log_gauss_mass(a.ravel(), b.ravel()).reshape(a.shape)
    return (mass[:, :-1] - mass[:, -1:]).T[x_inv]
