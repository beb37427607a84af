"""The parts of a TPE suggestion that need no sampler state: observations, startup draws and
the points of running trials (constant liar)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.samplers._planned_params import planned_params
from hpo.samplers._tpe._history import TrialHistory, convert
from hpo.samplers._tpe._parzen import param_spec

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial

RELATIVE_PARAMS_KEY = "tpe:relative_params"  # see hpo.samplers._planned_params


def observations(
    history: TrialHistory, below: np.ndarray, search_space: dict[str, BaseDistribution]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Internal values of the good and the bad trials that have every parameter, by number.

    Returns ``(good, bad, bad_numbers)``; rows are ordered by trial number.
    """
    n, d = history.n, len(search_space)
    columns = [history.column_values(name, dist) for name, dist in search_space.items()]
    order = history.order()
    if not all(history.complete_column(name, dist) for name, dist in search_space.items()):
        usable = np.ones(n, dtype=bool)
        for column in columns:
            usable &= ~np.isnan(column)
        order = order[usable[order]]
    is_below = below[order]
    below_rows = order[is_below]
    above_rows = order[~is_below]
    # Column-major: the estimators work column by column.
    good = np.empty((len(below_rows), d), order="F")
    bad = np.empty((len(above_rows), d), order="F")
    for j, column in enumerate(columns):
        good[:, j] = column[below_rows]
        bad[:, j] = column[above_rows]
    return good, bad, history.numbers[above_rows]


def running_observations(
    running: list[FrozenTrial],
    number: int,
    search_space: dict[str, BaseDistribution],
    multivariate: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The points of other RUNNING trials that have every parameter, and their numbers."""
    rows: list[list[float]] = []
    numbers: list[int] = []
    for other in running:
        if other._number == number:
            continue
        params = planned_params(other, RELATIVE_PARAMS_KEY) if multivariate else other._params
        row = []
        for name, dist in search_space.items():
            if name not in params:
                break
            value = internal(dist, params[name], other._distributions.get(name))
            if value != value:  # NaN: does not fit the distribution
                break
            row.append(value)
        else:
            rows.append(row)
            numbers.append(other._number)
    if not rows:
        return np.zeros((0, len(search_space))), np.zeros(0, dtype=np.int64)
    return np.array(rows, dtype=float), np.array(numbers, dtype=np.int64)


def internal(dist: BaseDistribution, external: Any, own: BaseDistribution | None) -> float:
    """``external`` as an internal value of ``dist`` (NaN if it does not fit)."""
    if own is not None and own != dist:
        return convert(own, own.to_internal_repr(external), dist)
    try:
        value = dist.to_internal_repr(external)
    except (ValueError, TypeError):
        return float("nan")
    return value if dist._contains(value) else float("nan")


def startup_sample(rng: np.random.RandomState, dist: BaseDistribution) -> float:
    """A uniform draw (in log space for log-scaled parameters) before TPE has data.

    Every parameter is drawn through a continuous box: numbers over ``[low, high]`` widened by
    half a step and then rounded to the grid, categories as the largest of one uniform per
    choice.
    """
    if isinstance(dist, CategoricalDistribution):
        return float(np.argmax(rng.rand(len(dist.choices))))
    spec = param_spec(dist)
    x = spec.lo + rng.rand() * (spec.hi - spec.lo)
    if spec.log:
        x = math.exp(x)
    if spec.kind == "step":
        x = spec.low + round((x - spec.low) / spec.step) * spec.step
    return float(min(max(x, spec.low), spec.high))
