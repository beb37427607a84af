"""Multi-objective good-group selection, kept up to date as trials finish.

The good group is made of whole non-domination ranks plus part of the next rank, chosen by
greedy hypervolume subset selection (HSSP). Both are maintained across suggestions:

* A point's rank is the length of the longest chain of points dominating it. A new point
  only raises the ranks of the points it dominates, so ranks are updated in O(n) per trial
  instead of being recomputed in O(n^2).
* The greedy HSSP picks of the previous suggestion are replayed when the reference point is
  unchanged. Pick ``i`` was the best candidate given picks ``1..i-1`` (the first in position
  order among equals); it stays so while it is still a candidate and every new candidate adds
  less hypervolume to picks ``1..i-1`` than it did, by a margin far above rounding (old
  candidates add what they added before). The search resumes after the last pick that
  survives, so the result equals a fresh greedy selection.
"""

from __future__ import annotations

import numpy as np

from hpo._hypervolume import _hv_batch, greedy_hssp, reference_point_for

_MAX_NEW_CANDIDATES = 8  # more new candidates than this: a fresh selection is cheaper


class ParetoSelection:
    """Ranks of the feasible COMPLETE trials of one history and the last HSSP selection.

    Points are numbered in the order they are added (positions).
    """

    def __init__(self, n_objectives: int) -> None:
        self.n = 0
        self.losses = np.zeros((64, n_objectives))
        self.ranks = np.zeros(64, dtype=np.int64)
        self._hssp: tuple[np.ndarray, np.ndarray, list[int], list[float]] | None = None

    def add(self, losses: np.ndarray) -> None:
        """Add points (``(k, n_objectives)``)."""
        if len(losses) == 0:
            return
        needed = self.n + len(losses)
        if needed > len(self.ranks):
            cap = max(needed, 2 * len(self.ranks))
            grown = np.zeros((cap, self.losses.shape[1]))
            grown[: self.n] = self.losses[: self.n]
            ranks = np.zeros(cap, dtype=np.int64)
            ranks[: self.n] = self.ranks[: self.n]
            self.losses, self.ranks = grown, ranks
        if len(losses) > 64:  # many at once (a first read): rank them all together
            self.losses[self.n : needed] = losses
            self.n = needed
            self.ranks[:needed] = nondomination_rank(self.losses[:needed])
            return
        for point in losses:
            self._add_one(point)

    def _add_one(self, point: np.ndarray) -> None:
        n = self.n
        losses, ranks = self.losses[:n], self.ranks[:n]
        dominators = np.all(losses <= point, axis=1) & np.any(losses < point, axis=1)
        dominated = np.flatnonzero(
            np.all(losses >= point, axis=1) & np.any(losses > point, axis=1)
        )
        rank = int(ranks[dominators].max()) + 1 if dominators.any() else 0
        self.losses[n] = point
        self.ranks[n] = rank
        self.n = n + 1
        if dominated.size == 0 or np.all(ranks[dominated] > rank):
            return
        # Raise the dominated points in order of their old rank (dominators come first).
        dominated = dominated[np.argsort(ranks[dominated], kind="stable")]
        sub = losses[dominated]
        new_ranks = ranks[dominated].copy()
        for j in range(len(dominated)):
            floor = rank + 1
            if j:
                above = sub[:j]
                preds = np.all(above <= sub[j], axis=1) & np.any(above < sub[j], axis=1)
                if preds.any():
                    floor = max(floor, int(new_ranks[:j][preds].max()) + 1)
            new_ranks[j] = max(new_ranks[j], floor)
        ranks[dominated] = new_ranks

    def select(self, k: int) -> np.ndarray:
        """Positions of ``k`` good points: whole ranks, the last one cut by HSSP (sorted)."""
        n = self.n
        if k >= n:
            return np.arange(n)
        ranks = self.ranks[:n]
        counts = np.bincount(ranks)
        full = int(np.searchsorted(np.cumsum(counts), k, side="right"))  # ranks 0..full-1 fit
        chosen = np.flatnonzero(ranks < full)
        if chosen.size < k:
            tied = np.flatnonzero(ranks == full)
            chosen = np.concatenate([chosen, self._subset(tied, k - chosen.size)])
        return np.sort(chosen)

    def _subset(self, tied: np.ndarray, size: int) -> np.ndarray:
        """HSSP of ``size`` among the positions ``tied`` (ascending), warm-started."""
        losses = self.losses[tied]
        if size >= len(tied):
            return tied
        ref = reference_point_for(losses)
        if not np.all(np.isfinite(ref)) or not np.all(np.isfinite(losses)):
            return tied[:size]
        prefix, gains = self._replay(tied, losses, ref, size)
        local = np.searchsorted(tied, prefix).tolist()
        picks, new_gains = greedy_hssp(losses, size, ref, prefix=local)
        picked = tied[picks]
        self._hssp = (ref, tied, picked.tolist(), gains + new_gains)
        return picked

    def _replay(
        self, tied: np.ndarray, losses: np.ndarray, ref: np.ndarray, size: int
    ) -> tuple[list[int], list[float]]:
        """The leading picks of the last selection that are still the greedy choices."""
        if self._hssp is None:
            return [], []
        old_ref, old_tied, picks, gains = self._hssp
        if not np.array_equal(ref, old_ref):
            return [], []
        new = tied[~np.isin(tied, old_tied)]
        if len(new) > _MAX_NEW_CANDIDATES:
            return [], []
        still = np.isin(picks[:size], tied)
        keep = int(np.argmin(still)) if not still.all() else len(still)
        if keep and len(new):
            chosen = self.losses[picks[: keep - 1]]
            for point in self.losses[new]:
                # What the new point would add to each prefix of the old picks.
                added = _prefix_contributions(point, chosen, ref)
                # A margin far above rounding: a near tie is re-decided by a fresh search.
                beaten = np.flatnonzero(added >= np.asarray(gains[:keep]) * (1 - 1e-9))
                if beaten.size:
                    keep = int(beaten[0])
        return picks[:keep], gains[:keep]


def _prefix_contributions(point: np.ndarray, chosen: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Hypervolume ``point`` adds to ``chosen[:i]``, for ``i = 0..len(chosen)``."""
    m, d = chosen.shape
    clipped = np.minimum(point, ref)
    box = float(np.prod(ref - clipped))
    out = np.full(m + 1, box)
    if m:
        # Row i holds the overlaps with chosen[:i + 1], padded with empty boxes (at ref).
        overlaps = np.broadcast_to(ref, (m, m, d)).copy()
        rows, cols = np.tril_indices(m)
        overlaps[rows, cols] = np.maximum(clipped, np.minimum(chosen, ref))[cols]
        out[1:] = np.maximum(box - _hv_batch(overlaps, ref), 0.0)
    return out


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
