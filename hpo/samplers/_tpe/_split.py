"""Splitting finished trials into the good ("below") and bad ("above") groups.

Order of preference for the good group: feasible COMPLETE trials (by objective value, or by
non-domination rank and hypervolume contribution for several objectives), then feasible PRUNED
trials (those that got further first, then by their last intermediate value), then infeasible
trials (smallest total constraint violation first). Ties are broken by trial number.
"""

from __future__ import annotations

import math

import numpy as np

from hpo._hypervolume import reference_point_for, solve_hssp
from hpo.samplers._tpe._history import TrialHistory


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
    ramp = np.linspace(1.0 / x, 1.0, num=x - 25)
    return np.concatenate([ramp, np.ones(25)])


def below_mask(history: TrialHistory, n_below: int) -> np.ndarray:
    """Boolean mask over the history's rows marking the good trials."""
    n = history.n
    below = np.zeros(n, dtype=bool)
    numbers = history.numbers[:n]
    feasible = history.violation[:n] <= 0
    pruned = history.pruned[:n]

    complete = np.flatnonzero(feasible & ~pruned)
    k = min(n_below, complete.size)
    if k > 0:
        losses = history.losses[complete]
        if losses.shape[1] == 1:
            order = np.lexsort((numbers[complete], losses[:, 0]))
            below[complete[order[:k]]] = True
        else:
            below[complete[select_multi_objective(losses, k)]] = True
    n_below -= k

    rest = np.flatnonzero(feasible & pruned)
    k = min(n_below, rest.size)
    if k > 0:
        key = history.pruned_key[rest]
        order = np.lexsort((numbers[rest], key[:, 1], key[:, 0]))
        below[rest[order[:k]]] = True
    n_below -= k

    infeasible = np.flatnonzero(~feasible)
    k = min(n_below, infeasible.size)
    if k > 0:
        order = np.lexsort((numbers[infeasible], history.violation[infeasible]))
        below[infeasible[order[:k]]] = True
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


def nondomination_rank(losses: np.ndarray, n_below: int | None = None) -> np.ndarray:
    """Pareto rank of each row (0 = non-dominated); stops once ``n_below`` rows are ranked."""
    n = len(losses)
    limit = n if n_below is None else min(n_below, n)
    dominates = np.empty((n, n), dtype=bool)
    chunk = max(1, 2_000_000 // max(1, n * losses.shape[1]))
    for start in range(0, n, chunk):
        a = losses[start : start + chunk, np.newaxis, :]
        dominates[start : start + chunk] = np.all(a <= losses, axis=2) & np.any(a < losses, axis=2)
    dominated_by = dominates.sum(axis=0)
    ranks = np.full(n, -1, dtype=np.int64)
    remaining = np.ones(n, dtype=bool)
    rank = ranked = 0
    while ranked < limit and remaining.any():
        front = remaining & (dominated_by == 0)
        ranks[front] = rank
        ranked += int(front.sum())
        remaining &= ~front
        dominated_by = dominated_by - dominates[front].sum(axis=0)
        rank += 1
    ranks[remaining] = rank
    return ranks
