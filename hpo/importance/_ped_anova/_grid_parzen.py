"""One-dimensional Parzen estimators on a grid, for PED-ANOVA.

Each parameter's domain is cut into at most ``n_steps`` grid points (categories for categorical
parameters). Trials are counted per grid point, and a kernel density with Scott's-rule
bandwidth (discretised Gaussians for numeric parameters, smoothed one-hot for categorical ones)
plus one wide prior kernel turns the counts into a probability on the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from hpo.samplers._tpe._parzen import log_gauss_mass

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial

# Smallest kernel width in grid steps: about 90 % (1.64 sigma) of a kernel stays within half a
# grid step of its centre.
_MIN_SIGMA = 0.5 / 1.64


def grid_counts(
    name: str, dist: BaseDistribution, trials: Sequence[FrozenTrial], n_steps: int
) -> np.ndarray:
    """How many of ``trials`` fall on each grid point of ``dist``'s domain."""
    if isinstance(dist, CategoricalDistribution):
        idx = [int(dist.to_internal_repr(t.params[name])) for t in trials]
        return np.bincount(np.asarray(idx, dtype=int), minlength=len(dist.choices))
    assert isinstance(dist, (FloatDistribution, IntDistribution))
    low, high = float(dist.low), float(dist.high)
    if isinstance(dist, IntDistribution) and dist.log:
        n_steps = min(n_steps, int(math.ceil(math.log2(dist.high - dist.low + 1))) + 1)
    elif dist.step is not None:
        n_steps = min(n_steps, round((high - low) / float(dist.step)) + 1)
    values = np.array([float(t.params[name]) for t in trials])
    if dist.log:
        low, high, values = math.log(low), math.log(high), np.log(values)
    spacing = (high - low) / (n_steps - 1)
    # Nearest grid point; an exact midpoint goes to the lower one.
    idx = np.clip(np.ceil((values - low) / spacing - 0.5).astype(int), 0, n_steps - 1)
    return np.bincount(idx, minlength=n_steps)


def grid_pdf(counts: np.ndarray, categorical: bool, prior_weight: float) -> np.ndarray:
    """Probability of every grid point under the Parzen estimator built from ``counts``."""
    size = counts.size
    observed = np.flatnonzero(counts)
    if observed.size == 0:
        return np.full(size, 1.0 / size)
    weights = counts[observed].astype(float)
    mixture = np.append(weights, prior_weight)
    mixture /= mixture.sum()
    if categorical:
        kernels = _categorical_kernels(observed, size, prior_weight)
    else:
        kernels = _numeric_kernels(observed.astype(float), weights, size)
    return mixture @ kernels


def _categorical_kernels(observed: np.ndarray, size: int, prior_weight: float) -> np.ndarray:
    n_kernels = observed.size + 1  # the last kernel is the prior
    kernels = np.full((n_kernels, size), prior_weight / n_kernels)
    kernels[np.arange(observed.size), observed] += 1.0
    sums = kernels.sum(axis=1, keepdims=True)
    return kernels / np.where(sums == 0, 1.0, sums)


def _numeric_kernels(observed: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    total = weights.sum()
    mean = observed @ weights / total
    std = math.sqrt(((observed - mean) ** 2 @ weights) / max(1.0, total - 1.0))
    cumulative = np.cumsum(weights)
    q1 = int(np.searchsorted(cumulative, total // 4, side="left"))
    q3 = int(np.searchsorted(cumulative, total * 3 // 4, side="right"))
    iqr = observed[min(observed.size - 1, q3)] - observed[q1]
    scott = 1.059 * min(iqr / 1.34, std) * total**-0.2
    high = size - 1.0
    mus = np.append(observed, high / 2.0)
    sigmas = np.append(np.full(observed.size, max(scott, _MIN_SIGMA)), high + 1.0)
    # Discretised truncated Gaussians: mass of [g - 1/2, g + 1/2] over the mass of the domain.
    grid = np.arange(size, dtype=float)
    lower = (grid[None, :] - 0.5 - mus[:, None]) / sigmas[:, None]
    upper = (grid[None, :] + 0.5 - mus[:, None]) / sigmas[:, None]
    log_cell = log_gauss_mass(lower, upper)
    log_domain = log_gauss_mass((-0.5 - mus) / sigmas, (high + 0.5 - mus) / sigmas)
    return np.exp(log_cell - log_domain[:, None])
