"""Functional ANOVA of one regression tree under the uniform measure on a box.

A fitted tree is piecewise constant: its leaves tile the search box into sub-boxes, each with a
constant prediction. The variance of the prediction over the box (uniform measure) is the
tree's total variance. The main effect of a set of input columns ``S`` is the prediction
averaged over all other columns; as a function of the ``S`` coordinates it is again piecewise
constant, and its variance over the box, divided by the total variance, is the fraction of the
variance the columns explain on their own (Hutter, Hoos & Leyton-Brown, ICML 2014).
"""

from __future__ import annotations

from typing import Any

import numpy as np

_PAIR_CHUNK = 1_000_000  # leaf pairs evaluated at once for multi-column main effects


class TreeAnova:
    """Leaf boxes of a fitted ``sklearn`` tree, normalised to the unit cube.

    Args:
        tree: The ``tree_`` attribute of a fitted ``DecisionTreeRegressor``.
        bounds: ``(n_columns, 2)`` lower and upper bound of every input column; every width
            must be positive.
    """

    def __init__(self, tree: Any, bounds: np.ndarray) -> None:
        lo, hi, values = _leaf_boxes(tree, bounds)
        width = bounds[:, 1] - bounds[:, 0]
        self._lo = (lo - bounds[:, 0]) / width
        self._hi = (hi - bounds[:, 0]) / width
        self._extent = np.clip(self._hi - self._lo, 0.0, None)
        weights = np.prod(self._extent, axis=1)
        total = weights.sum()
        self._weights = weights / total if total > 0 else weights
        mean = float(self._weights @ values)
        self._centred = values - mean
        self.variance = float(self._weights @ self._centred**2)

    def main_effect_variance(self, columns: np.ndarray) -> float:
        """Variance of the prediction averaged over every column outside ``columns``."""
        if self.variance <= 0.0:
            return 0.0
        others = np.ones(self._extent.shape[1], dtype=bool)
        others[columns] = False
        # Each leaf's share of the marginal: its centred value times the fraction of the other
        # columns' volume it spans. The marginal at a point sums the shares of the leaves whose
        # box contains the point in the ``columns`` coordinates.
        share = self._centred * np.prod(self._extent[:, others], axis=1)
        if len(columns) == 1:
            return _one_column_variance(self._lo[:, columns[0]], self._hi[:, columns[0]], share)
        return _pairwise_variance(self._lo[:, columns], self._hi[:, columns], share)


def _leaf_boxes(tree: Any, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower corners, upper corners and predictions of the leaves (one level at a time)."""
    left = tree.children_left
    right = tree.children_right
    feature = tree.feature
    threshold = tree.threshold
    n_nodes = tree.node_count
    lo = np.empty((n_nodes, len(bounds)))
    hi = np.empty((n_nodes, len(bounds)))
    lo[0] = bounds[:, 0]
    hi[0] = bounds[:, 1]
    frontier = np.array([0])
    while frontier.size:
        split = frontier[left[frontier] >= 0]
        if split.size == 0:
            break
        lc, rc, f, t = left[split], right[split], feature[split], threshold[split]
        lo[lc] = lo[split]
        hi[lc] = hi[split]
        lo[rc] = lo[split]
        hi[rc] = hi[split]
        hi[lc, f] = np.clip(t, lo[split, f], hi[split, f])
        lo[rc, f] = np.clip(t, lo[split, f], hi[split, f])
        frontier = np.concatenate([lc, rc])
    leaves = left < 0
    values = np.asarray(tree.value, dtype=float)[leaves].reshape(int(leaves.sum()), -1)[:, 0]
    return lo[leaves], hi[leaves], values


def _one_column_variance(lo: np.ndarray, hi: np.ndarray, share: np.ndarray) -> float:
    edges = np.unique(np.concatenate([lo, hi, [0.0, 1.0]]))
    start = np.searchsorted(edges, lo)
    stop = np.searchsorted(edges, hi)
    steps = np.zeros(len(edges))
    np.add.at(steps, start, share)
    np.add.at(steps, stop, -share)
    marginal = np.cumsum(steps)[:-1]
    widths = np.diff(edges)
    mean = widths @ marginal
    return max(float(widths @ (marginal - mean) ** 2), 0.0)


def _pairwise_variance(lo: np.ndarray, hi: np.ndarray, share: np.ndarray) -> float:
    # E[m^2] = sum over leaf pairs of share_l * share_k * (volume of the overlap of their boxes
    # in the selected columns); the marginal m has mean zero because the values are centred.
    keep = share != 0.0
    lo, hi, share = lo[keep], hi[keep], share[keep]
    n = len(share)
    rows = max(1, _PAIR_CHUNK // max(n, 1))
    total = 0.0
    for start in range(0, n, rows):
        a_lo, a_hi = lo[start : start + rows, None, :], hi[start : start + rows, None, :]
        overlap = np.clip(np.minimum(a_hi, hi[None]) - np.maximum(a_lo, lo[None]), 0.0, None)
        total += float(share[start : start + rows] @ (np.prod(overlap, axis=2) @ share))
    return max(total, 0.0)
