"""Map numerical parameters onto the unit cube CMA-ES works in, and back.

Each parameter becomes one coordinate in ``[0, 1]``: log-scaled parameters are mapped through
``log`` first, and discrete ones (ints, floats with ``step``) get half a step of room at both ends
so every value owns an interval of equal width. With ``transform_step=False`` (CMA-ES with
margin, which handles the grid itself) the interval is the plain ``[low, high]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from hpo.distributions import BaseDistribution, FloatDistribution, IntDistribution


class _UnitCubeTransform:
    """Affine (after log) map of a numerical search space onto ``[0, 1]^d``."""

    def __init__(
        self, search_space: Mapping[str, BaseDistribution], transform_step: bool = True
    ) -> None:
        self.names = list(search_space)
        self.distributions = [search_space[name] for name in self.names]
        lows = []
        widths = []
        for dist in self.distributions:
            assert isinstance(dist, (FloatDistribution, IntDistribution))
            lo, hi = _warped_bounds(dist, transform_step)
            lows.append(lo)
            widths.append(hi - lo if hi > lo else 1.0)
        self._low = np.asarray(lows, dtype=float)
        self._width = np.asarray(widths, dtype=float)

    @property
    def dim(self) -> int:
        return len(self.names)

    def transform(self, params: Mapping[str, Any]) -> np.ndarray:
        """External parameter values -> point in the unit cube."""
        warped = np.empty(len(self.names))
        for i, (name, dist) in enumerate(zip(self.names, self.distributions)):
            value = float(params[name])
            warped[i] = math.log(value) if dist.log else value  # type: ignore[union-attr]
        return (warped - self._low) / self._width

    def untransform(self, x: np.ndarray) -> dict[str, Any]:
        """Point in (or near) the unit cube -> external values inside each distribution."""
        warped = self._low + np.clip(x, 0.0, 1.0) * self._width
        params: dict[str, Any] = {}
        for name, dist, w in zip(self.names, self.distributions, warped.tolist()):
            params[name] = _to_external(dist, w)
        return params

    def steps(self) -> np.ndarray:
        """Grid spacing of each coordinate in the unit cube (0 for continuous coordinates)."""
        steps = np.zeros(len(self.names))
        for i, dist in enumerate(self.distributions):
            assert isinstance(dist, (FloatDistribution, IntDistribution))
            if dist.log or dist.step is None or dist.high == dist.low:
                continue
            steps[i] = dist.step / (dist.high - dist.low)
        return steps


def _warped_bounds(
    dist: FloatDistribution | IntDistribution, transform_step: bool
) -> tuple[float, float]:
    low, high = float(dist.low), float(dist.high)
    if isinstance(dist, IntDistribution):
        half = 0.5 * dist.step if transform_step else 0.0
        if dist.log:
            return math.log(low - half), math.log(high + half)
        return low - half, high + half
    if dist.log:
        return math.log(low), math.log(high)
    if dist.step is not None and transform_step:
        return low - 0.5 * dist.step, high + 0.5 * dist.step
    return low, high


def _to_external(dist: BaseDistribution, warped: float) -> Any:
    if isinstance(dist, IntDistribution):
        value = math.exp(warped) if dist.log else warped
        k = round((value - dist.low) / dist.step)
        return int(min(max(dist.low + k * dist.step, dist.low), dist.high))
    assert isinstance(dist, FloatDistribution)
    if dist.log:
        return float(min(max(math.exp(warped), dist.low), dist.high))
    if dist.step is not None:
        k = round((warped - dist.low) / dist.step)
        return float(min(max(dist.low + k * dist.step, dist.low), dist.high))
    return float(min(max(warped, dist.low), dist.high))
