"""Pareto dominance and non-dominated sorting (all objectives turned into minimisation)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo import _constraints
from hpo.study._study_direction import StudyDirection
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def loss_matrix(trials: Sequence[FrozenTrial], directions: Sequence[StudyDirection]) -> np.ndarray:
    """Values as an (n_trials, n_objectives) array in which smaller is better."""
    signs = np.array([-1.0 if d is StudyDirection.MAXIMIZE else 1.0 for d in directions])
    if not trials:
        return np.empty((0, len(directions)))
    values = np.array([t.values for t in trials], dtype=float)
    return values * signs


def is_pareto_front(loss: np.ndarray, assume_unique_lexsorted: bool = False) -> np.ndarray:
    """Boolean mask of the rows of ``loss`` no other row dominates (duplicates all kept)."""
    n = len(loss)
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort(loss.T[::-1])
    sorted_loss = loss[order]
    on_front = np.zeros(n, dtype=bool)
    front: list[np.ndarray] = []
    for i in range(n):
        row = sorted_loss[i]
        dominated = False
        for f in front:
            if np.all(f <= row) and np.any(f < row):
                dominated = True
                break
        if not dominated:
            on_front[i] = True
            front.append(row)
    mask = np.zeros(n, dtype=bool)
    mask[order] = on_front
    return mask


def non_domination_rank(loss: np.ndarray, n_below: int | None = None) -> np.ndarray:
    """Rank of every row: 0 for the Pareto front, 1 for the front after removing it, …

    With ``n_below``, ranking stops once at least that many rows are ranked; the rest get the
    next rank.
    """
    n = len(loss)
    ranks = np.full(n, -1, dtype=int)
    remaining = np.arange(n)
    rank = 0
    limit = n if n_below is None else min(n_below, n)
    ranked = 0
    while remaining.size and ranked < limit:
        mask = is_pareto_front(loss[remaining])
        ranks[remaining[mask]] = rank
        ranked += int(mask.sum())
        remaining = remaining[~mask]
        rank += 1
    ranks[remaining] = rank
    return ranks


def dominates(
    trial0: FrozenTrial, trial1: FrozenTrial, directions: Sequence[StudyDirection]
) -> bool:
    """Whether ``trial0`` Pareto-dominates ``trial1`` (COMPLETE beats any other state)."""
    if trial0.state is not TrialState.COMPLETE:
        return False
    if trial1.state is not TrialState.COMPLETE:
        return True
    loss = loss_matrix([trial0, trial1], directions)
    return bool(np.all(loss[0] <= loss[1]) and np.any(loss[0] < loss[1]))


def pareto_front_trials(study: Study, consider_constraint: bool = False) -> list[FrozenTrial]:
    """The COMPLETE trials on the Pareto front (feasible ones only with ``consider_constraint``)."""
    trials = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if consider_constraint:
        trials = _constraints.feasible_trials(trials)
    mask = is_pareto_front(loss_matrix(trials, study.directions))
    return [t for t, on_front in zip(trials, mask) if on_front]
