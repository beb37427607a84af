"""Numeric ("warped") coordinates of parameters, shared by the GA and QMC samplers.

A numeric parameter is mapped to one real coordinate: log-scaled parameters through ``log``, and
discrete ones (ints, floats with ``step``) get half a step of room at both ends so every grid value
owns an interval of the same width. Categorical parameters have no warped coordinate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from hpo.distributions import BaseDistribution, FloatDistribution, IntDistribution

NumericDistribution = FloatDistribution | IntDistribution


def warped_bounds(dist: NumericDistribution) -> tuple[float, float]:
    """The interval of the warped coordinate of ``dist``."""
    low, high = float(dist.low), float(dist.high)
    half = 0.0
    if isinstance(dist, IntDistribution) or dist.step is not None:
        half = 0.5 * float(dist.step)  # type: ignore[arg-type]
    if dist.log:
        return math.log(low - half), math.log(high + half)
    return low - half, high + half


def warp(dist: NumericDistribution, value: Any) -> float:
    """External value -> warped coordinate."""
    return math.log(float(value)) if dist.log else float(value)


def unwarp(dist: NumericDistribution, coordinate: float) -> int | float:
    """Warped coordinate (possibly outside its bounds) -> external value inside ``dist``."""
    value = math.exp(coordinate) if dist.log else coordinate
    if isinstance(dist, IntDistribution):
        k = math.floor((value - dist.low) / dist.step + 0.5)
        return int(min(max(dist.low + k * dist.step, dist.low), dist.high))
    if dist.step is not None:
        k = round((value - dist.low) / dist.step)
        value = dist.low + k * dist.step
    return float(min(max(value, dist.low), dist.high))


class NumericTransform:
    """Warped coordinates of a search space made of float and int distributions only.

    Args:
        search_space: Parameter name -> numeric distribution; the coordinate order follows it.
    """

    def __init__(self, search_space: Mapping[str, BaseDistribution]) -> None:
        self.names = list(search_space)
        self.distributions: list[NumericDistribution] = []
        for name in self.names:
            dist = search_space[name]
            if not isinstance(dist, (FloatDistribution, IntDistribution)):
                raise TypeError(f"{name!r} has the non-numeric distribution {dist}.")
            self.distributions.append(dist)
        self.bounds = np.array(
            [warped_bounds(d) for d in self.distributions], dtype=float
        ).reshape(-1, 2)

    def transform(self, params: Mapping[str, Any]) -> np.ndarray:
        """External values by name -> warped coordinates."""
        return np.array(
            [warp(d, params[n]) for n, d in zip(self.names, self.distributions)], dtype=float
        )

    def contains(self, x: np.ndarray) -> bool:
        """Whether every coordinate of ``x`` is finite and inside its bounds."""
        return bool(
            np.all(np.isfinite(x))
            and np.all(x >= self.bounds[:, 0])
            and np.all(x <= self.bounds[:, 1])
        )

    def untransform(self, x: np.ndarray) -> dict[str, Any]:
        """Warped coordinates -> external values by name (clipped into each distribution)."""
        return {n: unwarp(d, float(c)) for n, d, c in zip(self.names, self.distributions, x)}
