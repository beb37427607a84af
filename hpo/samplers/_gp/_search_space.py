"""Encoding parameters into the unit cube the Gaussian process works in, and back.

Numeric parameters map linearly (or logarithmically with ``log=True``) onto ``[0, 1]``. A discrete
numeric parameter (an int, or a float with ``step``) owns the cell ``[v - step/2, v + step/2]`` of
each of its values, so all values get the same share of the cube. A categorical parameter is
encoded by the index of its choice; the kernel compares such columns by equality only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

# Discrete numeric parameters with more values than this are optimised as continuous ones and
# snapped to their grid; smaller grids are searched exhaustively.
MAX_EXHAUSTIVE_CHOICES = 64


class SearchSpace:
    """The encoding of one relative search space (an ordered mapping name -> distribution)."""

    def __init__(self, distributions: Mapping[str, BaseDistribution]) -> None:
        self.names = list(distributions)
        self.distributions = [distributions[n] for n in self.names]
        dim = len(self.names)
        self.dim = dim
        self.is_categorical = np.zeros(dim, dtype=bool)
        self.is_log = np.zeros(dim, dtype=bool)
        self.steps = np.zeros(dim)
        self.lows = np.zeros(dim)
        self.highs = np.zeros(dim)
        self.n_choices = np.zeros(dim, dtype=int)  # 0 for continuous parameters
        for i, dist in enumerate(self.distributions):
            if isinstance(dist, CategoricalDistribution):
                self.is_categorical[i] = True
                self.n_choices[i] = len(dist.choices)
                continue
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise NotImplementedError(f"GPSampler does not support {dist}.")
            self.lows[i], self.highs[i] = dist.low, dist.high
            self.is_log[i] = dist.log
            step = dist.step if dist.step is not None else 0.0
            if isinstance(dist, IntDistribution) and dist.log:
                step = 1.0
            self.steps[i] = step
            if step > 0:
                self.n_choices[i] = int(round((dist.high - dist.low) / step)) + 1
        # Bounds of the encoded interval (before the affine map onto [0, 1]).
        pad = 0.5 * self.steps
        lo, hi = self.lows - pad, self.highs + pad
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(self.is_log, np.log(np.where(self.is_log, lo, 1.0)), lo)
            hi = np.where(self.is_log, np.log(np.where(self.is_log, hi, 1.0)), hi)
        self._lo, self._width = lo, hi - lo
        self.is_discrete = self.n_choices > 0
        # Dimensions the gradient-based local search moves.
        self.continuous_mask = ~self.is_discrete | (
            ~self.is_categorical & (self.n_choices > MAX_EXHAUSTIVE_CHOICES)
        )
        self.exhaustive_indices = np.flatnonzero(self.is_discrete & ~self.continuous_mask)
        self.snapped_indices = np.flatnonzero(~self.is_categorical & (self.steps > 0))

    # --- encoding -----------------------------------------------------------------------------

    def encode(self, params_list: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Encode external parameter values, one mapping per row."""
        X = np.empty((len(params_list), self.dim))
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            column = np.array([dist.to_internal_repr(p[name]) for p in params_list], dtype=float)
            X[:, i] = column if self.is_categorical[i] else self._to_unit(column, i)
        return X

    def _to_unit(self, values: np.ndarray, i: int) -> np.ndarray:
        if self._width[i] <= 0:
            return np.full_like(values, 0.5)
        if self.is_log[i]:
            values = np.log(values)
        return (values - self._lo[i]) / self._width[i]

    def _from_unit(self, values: np.ndarray, i: int) -> np.ndarray:
        out = values * self._width[i] + self._lo[i]
        return np.exp(out) if self.is_log[i] else out

    def _round_to_grid(self, values: np.ndarray, i: int) -> np.ndarray:
        """Nearest grid value of the numeric column ``i`` (external scale, not encoded)."""
        k = np.round((values - self.lows[i]) / self.steps[i])
        return np.clip(self.lows[i] + k * self.steps[i], self.lows[i], self.highs[i])

    def snap(self, X: np.ndarray) -> np.ndarray:
        """Move every discrete numeric coordinate of ``X`` (encoded) onto its grid, in place."""
        for i in self.snapped_indices:
            grid_values = self._round_to_grid(self._from_unit(X[..., i], i), i)
            X[..., i] = self._to_unit(grid_values, i)
        return X

    def choices(self, i: int) -> np.ndarray:
        """All encoded values of the discrete column ``i``."""
        if self.is_categorical[i]:
            return np.arange(self.n_choices[i], dtype=float)
        grid_values = self.lows[i] + np.arange(self.n_choices[i]) * self.steps[i]
        return self._to_unit(np.minimum(grid_values, self.highs[i]), i)

    def neighbours(self, x_col: np.ndarray, i: int, radius: int) -> np.ndarray:
        """Encoded grid values within ``radius`` steps of each entry of ``x_col``: (n, 2r+1)."""
        current = self._round_to_grid(self._from_unit(x_col, i), i)
        offsets = np.arange(-radius, radius + 1) * self.steps[i]
        grid_values = np.clip(current[:, None] + offsets, self.lows[i], self.highs[i])
        return self._to_unit(grid_values, i)

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """External parameter values of one encoded point."""
        params: dict[str, Any] = {}
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            if self.is_categorical[i]:
                index = int(np.clip(round(float(x[i])), 0, self.n_choices[i] - 1))
                params[name] = dist.to_external_repr(index)
                continue
            value = float(self._from_unit(np.asarray(x[i], dtype=float), i))
            if self.steps[i] > 0:
                value = float(self._round_to_grid(np.asarray(value), i))
            value = min(max(value, self.lows[i]), self.highs[i])
            if isinstance(dist, IntDistribution):
                params[name] = int(round(value))
            else:
                params[name] = value
        return params

    # --- random points ------------------------------------------------------------------------

    def sample(self, n: int, rng: np.random.RandomState) -> np.ndarray:
        """``n`` uniformly random encoded points (discrete coordinates on their grids)."""
        X = rng.uniform(0.0, 1.0, size=(n, self.dim))
        for i in np.flatnonzero(self.is_categorical):
            X[:, i] = np.minimum(np.floor(X[:, i] * self.n_choices[i]), self.n_choices[i] - 1)
        return self.snap(X)

    def perturb(
        self, centres: np.ndarray, n: int, scale: float, rng: np.random.RandomState
    ) -> np.ndarray:
        """``n`` points scattered around ``centres`` (Gaussian steps; categories re-drawn rarely)."""
        idx = rng.randint(len(centres), size=n)
        X = centres[idx] + rng.normal(0.0, scale, size=(n, self.dim))
        X = np.clip(X, 0.0, 1.0)
        for i in np.flatnonzero(self.is_categorical):
            redraw = rng.uniform(size=n) < max(scale, 1.0 / max(self.dim, 1))
            X[:, i] = np.where(
                redraw, rng.randint(self.n_choices[i], size=n), centres[idx, i]
            ).astype(float)
        return self.snap(X)


def space_signature(distributions: Mapping[str, BaseDistribution]) -> tuple[Any, ...]:
    """A hashable summary used to decide whether cached hyperparameters still apply."""
    return tuple((name, repr(dist)) for name, dist in distributions.items())
