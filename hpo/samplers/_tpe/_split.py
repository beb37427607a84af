"""Splitting finished trials into the good ("below") and bad ("above") groups.

Order of preference for the good group: feasible COMPLETE trials (by objective value, or by
non-domination rank and hypervolume contribution for several objectives), then feasible PRUNED
trials (those that got further first, then by their last intermediate value), then infeasible
trials (smallest total constraint violation first). Ties are broken by trial number.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from hpo._hypervolume import reference_point_for, solve_hssp
from hpo.samplers._tpe._history import TrialHistory
from hpo.samplers._tpe._pareto import ParetoSelection, nondomination_rank

__all__ = [
    "below_mask",
    "default_gamma",
    "default_gamma_multiobjective",
    "default_weights",
    "hyperopt_default_gamma",
    "nondomination_rank",
    "select_multi_objective",
]


def default_gamma(x: int) -> int:
    """Number of good trials among ``x`` finished ones: 10 %, at most 25."""
    return min(math.ceil(0.1 * x), 25)


def default_gamma_multiobjective(x: int) -> int:
    """Number of good trials among ``x`` finished ones for several objectives: 10 %."""
    return math.ceil(0.1 * x)


def hyperopt_default_gamma(x: int) -> int:
    """hyperopt's rule: ``ceil(0.25 * sqrt(x))``, at most 25."""
    return min(math.ceil(0.25 * x**0.5), 25)


def default_weights(x: int) -> np.ndarray:
    """Observation weights, oldest first: flat for the newest 25, a linear ramp before them."""
    if x == 0:
        return np.asarray([])
    if x < 25:
        return np.ones(x)
    weights = np.ones(x)
    n = x - 25
    if n > 1:
        # np.linspace(1 / x, 1, n) computed the way numpy does, without its overhead.
        start = 1.0 / x
        ramp = weights[:n]
        np.multiply(np.arange(n, dtype=float), (1.0 - start) / (n - 1), out=ramp)
        ramp += start
        ramp[-1] = 1.0
    elif n == 1:
        weights[0] = 1.0 / x
    return weights


class _Ranking:
    """The history's rows in good-first order, one list per tier, extended as rows arrive.

    Finished trials never change, so each new row is inserted once (``bisect``) instead of
    sorting every row again for every suggestion.
    """

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.done = 0  # rows already placed
        self.complete: list[tuple[Any, ...]] = []  # (loss key, number, row); single objective
        self.complete_rows: list[int] = []  # feasible COMPLETE rows in row order
        self.pruned: list[tuple[Any, ...]] = []  # (step key, value key, number, row)
        self.infeasible: list[tuple[Any, ...]] = []  # (violation key, number, row)
        self.pareto: ParetoSelection | None = None  # several objectives: ranks of complete_rows

    def extend(self, history: TrialHistory) -> None:
        single = history.losses.shape[1] == 1
        numbers = history.numbers
        first_new = len(self.complete_rows)
        for row in range(self.done, history.n):
            number = int(numbers[row])
            violation = float(history.violation[row])
            if not violation <= 0:
                bisect.insort(self.infeasible, (_key(violation), number, row))
            elif history.pruned[row]:
                step_key, value_key = history.pruned_key[row]
                bisect.insort(self.pruned, (_key(step_key), _key(value_key), number, row))
            else:
                self.complete_rows.append(row)
                if single:
                    loss = float(history.losses[row, 0])
                    bisect.insort(self.complete, (_key(loss), number, row))
        self.done = history.n
        if not single:
            if self.pareto is None:
                self.pareto = ParetoSelection(history.losses.shape[1])
            self.pareto.add(history.losses[self.complete_rows[first_new:]])


def _key(value: float) -> tuple[bool, float]:
    # Sorts like numpy: NaN after everything else.
    return (True, 0.0) if value != value else (False, value)


def _ranking(history: TrialHistory) -> _Ranking:
    ranking: _Ranking | None = getattr(history, "_ranking", None)
    if ranking is None or ranking.generation != history.generation or ranking.done > history.n:
        ranking = _Ranking(history.generation)
        history._ranking = ranking  # type: ignore[attr-defined]
    ranking.extend(history)
    return ranking


def below_mask(history: TrialHistory, n_below: int) -> np.ndarray:
    """Boolean mask over the history's rows marking the good trials."""
    ranking = _ranking(history)
    below = np.zeros(history.n, dtype=bool)
    k = min(n_below, len(ranking.complete_rows))
    if k > 0:
        if ranking.pareto is None:
            below[[entry[-1] for entry in ranking.complete[:k]]] = True
        else:
            complete = np.array(ranking.complete_rows)
            below[complete[ranking.pareto.select(k)]] = True
    n_below -= k
    for tier in (ranking.pruned, ranking.infeasible):
        k = min(n_below, len(tier))
        if k > 0:
            below[[entry[-1] for entry in tier[:k]]] = True
        n_below -= k
    return below


def select_multi_objective(losses: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` good rows: whole non-domination ranks, the last one cut by HSSP."""
    n = len(losses)
    if k >= n:
        return np.arange(n)
    ranks = nondomination_rank(losses, k)
    counts = np.bincount(ranks)
    full = int(np.searchsorted(np.cumsum(counts), k, side="right"))  # ranks 0..full-1 fit
    chosen = np.flatnonzero(ranks < full)
    if chosen.size < k:
        tied = np.flatnonzero(ranks == full)
        tied_losses = losses[tied]
        picked = solve_hssp(tied_losses, k - chosen.size, reference_point_for(tied_losses))
        chosen = np.concatenate([chosen, tied[picked]])
    return np.sort(chosen)
