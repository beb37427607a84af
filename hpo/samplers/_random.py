from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from hpo.samplers._base import BaseSampler

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


class RandomSampler(BaseSampler):
    """Samples every parameter independently and uniformly (log-uniformly with ``log=True``).

    Args:
        seed: Seed for the random generator.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
    """

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self._rng = np.random.RandomState(seed)

    def reseed_rng(self) -> None:
        self._rng.seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        internal = sample_uniform_internal(self._rng, param_distribution)
        return param_distribution.to_external_repr(internal)


def sample_uniform_internal(rng: np.random.RandomState, distribution: BaseDistribution) -> float:
    """Draw one internal value uniformly from ``distribution`` (log-uniformly if log-scaled)."""
    if isinstance(distribution, CategoricalDistribution):
        return float(rng.randint(len(distribution.choices)))
    if isinstance(distribution, FloatDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            return float(min(math.exp(rng.uniform(math.log(low), math.log(high))), high))
        if distribution.step is not None:
            n_steps = int(round((high - low) / distribution.step))
            return float(min(low + rng.randint(n_steps + 1) * distribution.step, high))
        return float(rng.uniform(low, high)) if high > low else low
    if isinstance(distribution, IntDistribution):
        low, high = distribution.low, distribution.high
        if distribution.log:
            # Uniform in log space over [low - 0.5, high + 0.5] so every integer gets its share.
            log_value = rng.uniform(math.log(low - 0.5), math.log(high + 0.5))
            return float(min(max(int(round(math.exp(log_value))), low), high))
        n_steps = (high - low) // distribution.step
        return float(low + rng.randint(n_steps + 1) * distribution.step)
    raise NotImplementedError(f"Unknown distribution {distribution}.")
