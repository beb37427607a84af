"""NSGA-II selection: non-domination ranks (constraint-aware), crowding distance, elites."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo import _constraints
from hpo.study._multi_objective import dominates, loss_matrix
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study, StudyDirection
    from hpo.trial import FrozenTrial


def fast_non_domination_rank(loss: np.ndarray, penalty: np.ndarray | None = None) -> np.ndarray:
    """Non-domination rank of every row of ``loss`` (minimisation), Deb's fast sort.

    With ``penalty`` (total constraint violation, ``<= 0`` feasible), feasible rows are ranked by
    their losses first; infeasible rows come after, ranked by increasing penalty.
    """
    n = len(loss)
    if n == 0:
        return np.zeros(0, dtype=int)
    if penalty is None:
        return _pareto_ranks(loss)
    ranks = np.empty(n, dtype=int)
    feasible = penalty <= 0
    ranks[feasible] = _pareto_ranks(loss[feasible])
    first_infeasible = int(ranks[feasible].max()) + 1 if feasible.any() else 0
    infeasible_penalty = penalty[~feasible]
    ranks[~feasible] = first_infeasible + np.unique(infeasible_penalty, return_inverse=True)[1]
    return ranks


def _pareto_ranks(loss: np.ndarray) -> np.ndarray:
    n = len(loss)
    ranks = np.zeros(n, dtype=int)
    if n == 0:
        return ranks
    le = np.all(loss[:, None, :] <= loss[None, :, :], axis=2)
    lt = np.any(loss[:, None, :] < loss[None, :, :], axis=2)
    dominated_by = le & lt  # [i, j]: row i dominates row j
    n_dominators = dominated_by.sum(axis=0)
    remaining = np.ones(n, dtype=bool)
    rank = 0
    while remaining.any():
        front = remaining & (n_dominators == 0)
        ranks[front] = rank
        remaining &= ~front
        n_dominators -= dominated_by[front].sum(axis=0)
        rank += 1
    return ranks


def penalties(trials: Sequence[FrozenTrial]) -> np.ndarray:
    """Total constraint violation (sum of positive constraint values) of each trial.

    Raises:
        ValueError: A constraint value is NaN.
    """
    result = np.empty(len(trials))
    for i, trial in enumerate(trials):
        values = list(trial.constraints.values())
        if any(math.isnan(v) for v in values):
            raise ValueError(
                f"Trial {trial.number} has a NaN constraint value ({trial.constraints}); "
                "constraint values must be numbers."
            )
        result[i] = sum(v for v in values if v > 0)
    return result


def constrained_dominates(
    trial0: FrozenTrial, trial1: FrozenTrial, directions: Sequence[StudyDirection]
) -> bool:
    """Constrained domination: feasible beats infeasible, the smaller violation wins among
    infeasible trials, and Pareto dominance decides between feasible ones."""
    if trial0.state is not TrialState.COMPLETE:
        return False
    if trial1.state is not TrialState.COMPLETE:
        return True
    ok0, ok1 = _constraints.is_feasible(trial0), _constraints.is_feasible(trial1)
    if ok0 and ok1:
        return dominates(trial0, trial1, directions)
    if ok0 != ok1:
        return ok0
    violation0, violation1 = penalties([trial0, trial1])
    return bool(violation0 < violation1)


def domination_for(
    trials: Sequence[FrozenTrial],
) -> Callable[[FrozenTrial, FrozenTrial, Sequence[StudyDirection]], bool]:
    """The domination relation to use among ``trials``: constrained if any has constraints."""
    return constrained_dominates if _constraints.is_constrained(trials) else dominates


def crowding_distance(loss: np.ndarray) -> np.ndarray:
    """Crowding distance of every row of ``loss``: the sum over objectives of the gap between
    each point's neighbours, divided by the objective's finite range. Extreme points get
    ``inf``; an objective on which all points tie contributes nothing."""
    n, m = loss.shape
    distance = np.zeros(n)
    for k in range(m):
        order = np.argsort(loss[:, k], kind="stable")
        values = loss[order, k]
        if values[0] == values[-1]:
            continue
        finite = values[np.isfinite(values)]
        width = float(finite.max() - finite.min()) if finite.size else 0.0
        if width <= 0:
            width = 1.0
        padded = np.concatenate([[-np.inf], values, [np.inf]])
        lower, upper = padded[:-2], padded[2:]
        with np.errstate(invalid="ignore"):
            gaps = np.where(lower == upper, 0.0, upper - lower)
        distance[order] += gaps / width
    return distance


class NSGAIIElitePopulationSelectionStrategy:
    """Keep the best ``population_size`` trials: whole fronts in rank order, then the most
    isolated (largest crowding distance) trials of the front that does not fit.

    Args:
        population_size: Number of trials to keep.
    """

    def __init__(self, *, population_size: int) -> None:
        self._population_size = population_size

    def __call__(self, study: Study, population: list[FrozenTrial]) -> list[FrozenTrial]:
        if not population:
            return []
        loss = loss_matrix(population, study.directions)
        penalty = penalties(population) if _constraints.is_constrained(population) else None
        ranks = fast_non_domination_rank(loss, penalty)
        elites: list[FrozenTrial] = []
        for rank in range(int(ranks.max()) + 1):
            members = np.flatnonzero(ranks == rank)
            room = self._population_size - len(elites)
            if len(members) <= room:
                elites.extend(population[i] for i in members)
                if len(members) == room:
                    break
                continue
            distance = crowding_distance(loss[members])
            numbers = np.array([population[i].number for i in members])
            order = np.lexsort((numbers, -distance))
            elites.extend(population[members[i]] for i in order[:room])
            break
        return elites
