"""NSGA-II offspring: tournament-selected parents, crossover, then mutation.

Parameters left out of the returned dict (those picked for mutation when no mutation operator is
given, or categorical ones) are resampled independently by the sampler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.samplers._ga._transform import NumericTransform, unwarp, warp, warped_bounds
from hpo.samplers.nsgaii._selection import domination_for

if TYPE_CHECKING:
    from hpo.samplers.nsgaii._crossovers import BaseCrossover
    from hpo.samplers.nsgaii._mutations import BaseMutation
    from hpo.study import Study, StudyDirection
    from hpo.trial import FrozenTrial

DominatesFunc = Callable[[Any, Any, Sequence["StudyDirection"]], bool]

# A crossover whose children keep leaving the search space falls back to clipping after this
# many draws, so a badly tuned operator cannot hang a trial.
_MAX_CROSSOVER_ATTEMPTS = 100


class NSGAIIChildGenerationStrategy:
    """Create one child's parameters from a generation's parents.

    Args:
        crossover: Operator combining numerical parameters.
        crossover_prob: Probability of crossover; otherwise a random parent is copied.
        swapping_prob: Probability of taking a categorical parameter from the other parent.
        mutation: Operator for numerical parameters picked for mutation (``None``: resample).
        mutation_prob: Probability of mutating each parameter (``None``: ``1 / n_params``).
        rng: Random generator shared with the sampler.
    """

    def __init__(
        self,
        *,
        crossover: BaseCrossover,
        crossover_prob: float,
        swapping_prob: float,
        mutation: BaseMutation | None,
        mutation_prob: float | None,
        rng: np.random.RandomState,
    ) -> None:
        self._crossover = crossover
        self._crossover_prob = crossover_prob
        self._swapping_prob = swapping_prob
        self._mutation = mutation
        self._mutation_prob = mutation_prob
        self._rng = rng

    def __call__(
        self,
        study: Study,
        search_space: dict[str, BaseDistribution],
        parent_population: list[FrozenTrial],
    ) -> dict[str, Any]:
        rng = self._rng
        if rng.rand() < self._crossover_prob:
            child = self._crossover_child(study, search_space, parent_population)
        else:
            parent = parent_population[rng.randint(len(parent_population))]
            child = {name: parent.params[name] for name in search_space}

        mutation_prob = (
            1.0 / max(1, len(child)) if self._mutation_prob is None else self._mutation_prob
        )
        params: dict[str, Any] = {}
        for name, value in child.items():
            if rng.rand() >= mutation_prob:
                params[name] = value
                continue
            dist = search_space[name]
            if self._mutation is not None and not isinstance(dist, CategoricalDistribution):
                low, high = warped_bounds(dist)  # type: ignore[arg-type]
                bounds = np.array([low, high])
                mutated = self._mutation.mutation(warp(dist, value), rng, study, bounds)  # type: ignore[arg-type]
                params[name] = unwarp(dist, float(np.clip(mutated, low, high)))  # type: ignore[arg-type]
        return params

    def _crossover_child(
        self,
        study: Study,
        search_space: dict[str, BaseDistribution],
        parent_population: list[FrozenTrial],
    ) -> dict[str, Any]:
        categorical = [
            n for n, d in search_space.items() if isinstance(d, CategoricalDistribution)
        ]
        numeric = {n: d for n, d in search_space.items() if n not in set(categorical)}
        transform = NumericTransform(numeric) if numeric else None
        dominates = domination_for(parent_population)
        n_parents = self._crossover.n_parents
        for attempt in range(_MAX_CROSSOVER_ATTEMPTS):
            parents = _tournament(study, parent_population, n_parents, self._rng, dominates)
            child: dict[str, Any] = {}
            for name in categorical:
                donor = parents[-1] if self._rng.rand() < self._swapping_prob else parents[0]
                child[name] = donor.params[name]
            if transform is None:
                return child
            coordinates = np.stack([transform.transform(p.params) for p in parents])
            x = np.asarray(
                self._crossover.crossover(coordinates, self._rng, study, transform.bounds),
                dtype=float,
            )
            if transform.contains(x) or attempt == _MAX_CROSSOVER_ATTEMPTS - 1:
                x = np.clip(np.nan_to_num(x), transform.bounds[:, 0], transform.bounds[:, 1])
                child.update(transform.untransform(x))
                return child
        raise AssertionError("unreachable")


def _tournament(
    study: Study,
    population: list[FrozenTrial],
    n_parents: int,
    rng: np.random.RandomState,
    dominates: DominatesFunc,
) -> list[FrozenTrial]:
    """Pick ``n_parents`` distinct parents, each the winner of a binary tournament."""
    directions = study.directions
    chosen: list[FrozenTrial] = []
    pool = list(population)
    for _ in range(n_parents):
        if not pool:  # fewer parents than the operator needs: allow repeats
            pool = list(population)
        a = pool[rng.randint(len(pool))]
        b = pool[rng.randint(len(pool))]
        winner = a if dominates(a, b, directions) else b
        chosen.append(winner)
        pool = [t for t in pool if t is not winner]
    return chosen
