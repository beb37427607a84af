"""Hypervolume of point sets (minimisation) and greedy hypervolume subset selection.

All functions take losses: smaller is better in every objective. Points that do not strictly
dominate the reference point contribute nothing.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def compute_hypervolume(points: np.ndarray, reference_point: np.ndarray) -> float:
    """Volume dominated by ``points`` and bounded by ``reference_point``.

    Args:
        points: Array of shape ``(n_points, n_objectives)``.
        reference_point: Array of shape ``(n_objectives,)``.
    """
    points = np.asarray(points, dtype=float)
    ref = np.asarray(reference_point, dtype=float)
    if points.size == 0:
        return 0.0
    if np.any(np.isinf(ref)):
        return float("inf") if np.any(np.all(points < ref, axis=1)) else 0.0
    return float(_hv_batch(points[np.newaxis], ref)[0])


def _hv_batch(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Hypervolumes of a batch of point sets: ``points`` is ``(batch, n_points, n_objectives)``."""
    pts = np.minimum(points, ref)
    n_obj = pts.shape[-1]
    if pts.shape[1] == 0:
        return np.zeros(pts.shape[0])
    if n_obj == 1:
        return ref[0] - pts[..., 0].min(axis=1)
    if n_obj == 2:
        return _hv2d_batch(pts, ref)
    if n_obj == 3:
        return _hv3d_batch(pts, ref)
    return np.array([_hv_recursive(p, ref) for p in pts])


def _hv2d_batch(pts: np.ndarray, ref: np.ndarray) -> np.ndarray:
    rows = np.arange(pts.shape[0])[:, np.newaxis]
    order = pts[..., 0].argsort(axis=1, kind="stable")
    xs, ys = pts[rows, order, 0], pts[rows, order, 1]
    gaps = np.empty_like(xs)
    np.subtract(xs[:, 1:], xs[:, :-1], out=gaps[:, :-1])
    np.subtract(ref[0], xs[:, -1], out=gaps[:, -1])
    heights = ref[1] - np.minimum.accumulate(ys, axis=1)
    return np.einsum("bi,bi->b", gaps, heights)


def _hv3d_batch(pts: np.ndarray, ref: np.ndarray) -> np.ndarray:
    # Slice along z: slab i (between the i-th and (i+1)-th smallest z) is covered by the 2-D
    # hypervolume of the points whose z rank is <= i. All slabs are computed at once.
    batch, n, _ = pts.shape
    rows = np.arange(batch)[:, np.newaxis]
    x_order = pts[..., 0].argsort(axis=1, kind="stable")
    by_x = pts[rows, x_order]
    xs, ys, zs_by_x = by_x[..., 0], by_x[..., 1], by_x[..., 2]
    z_order = zs_by_x.argsort(axis=1, kind="stable")
    z_rank = np.empty_like(z_order)
    z_rank[rows, z_order] = np.arange(n)
    zs = zs_by_x[rows, z_order]
    member = z_rank[:, np.newaxis, :] <= np.arange(n)[:, np.newaxis]
    y_slab = np.where(member, ys[:, np.newaxis, :], ref[1])
    np.minimum.accumulate(y_slab, axis=2, out=y_slab)
    np.subtract(ref[1], y_slab, out=y_slab)  # heights
    gaps = np.empty_like(xs)
    np.subtract(xs[:, 1:], xs[:, :-1], out=gaps[:, :-1])
    np.subtract(ref[0], xs[:, -1], out=gaps[:, -1])
    areas = np.einsum("bij,bj->bi", y_slab, gaps)
    z_gaps = np.empty_like(zs)
    np.subtract(zs[:, 1:], zs[:, :-1], out=z_gaps[:, :-1])
    np.subtract(ref[2], zs[:, -1], out=z_gaps[:, -1])
    return np.einsum("bi,bi->b", areas, z_gaps)


def _hv_recursive(pts: np.ndarray, ref: np.ndarray) -> float:
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    if pts.shape[1] <= 3:
        return float(_hv_batch(pts[np.newaxis], ref)[0])
    pts = pts[np.argsort(pts[:, -1], kind="stable")]
    total = 0.0
    for i in range(len(pts)):
        upper = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        if upper > pts[i, -1]:
            total += (upper - pts[i, -1]) * _hv_recursive(pts[: i + 1, :-1], ref[:-1])
    return total


def reference_point_for(losses: np.ndarray) -> np.ndarray:
    """A reference point slightly worse than the worst loss in every objective."""
    worst = np.max(losses, axis=0)
    ref = np.maximum(1.1 * worst, 0.9 * worst)
    ref[ref == 0] = _EPS
    return ref


_HSSP_CACHE: dict[tuple[bytes, int, bytes], np.ndarray] = {}


def solve_hssp(losses: np.ndarray, subset_size: int, reference_point: np.ndarray) -> np.ndarray:
    """Pick ``subset_size`` rows of ``losses`` with a large joint hypervolume (greedy, lazy).

    The greedy choice adds the point with the largest hypervolume contribution at each step
    (the first such row on ties); see :func:`greedy_hssp`.

    Returns:
        Sorted indices into ``losses`` of the chosen rows.
    """
    n = len(losses)
    if subset_size >= n:
        return np.arange(n)
    if subset_size <= 0:
        return np.zeros(0, dtype=int)
    ref = np.asarray(reference_point, dtype=float)
    if not np.all(np.isfinite(ref)) or not np.all(np.isfinite(losses)):
        return np.arange(subset_size)
    losses = np.ascontiguousarray(losses, dtype=float)
    key = (losses.tobytes(), subset_size, ref.tobytes())
    cached = _HSSP_CACHE.get(key)
    if cached is not None:
        return cached.copy()
    picks, _ = greedy_hssp(losses, subset_size, ref)
    result = np.sort(np.array(picks, dtype=int))
    if len(_HSSP_CACHE) >= 8:
        _HSSP_CACHE.clear()
    _HSSP_CACHE[key] = result
    return result.copy()


def greedy_hssp(
    losses: np.ndarray,
    subset_size: int,
    ref: np.ndarray,
    prefix: list[int] | None = None,
) -> tuple[list[int], list[float]]:
    """Greedy hypervolume subset selection; returns the picks in order and their gains.

    Each step picks the row with the largest hypervolume contribution, the smallest index
    among equal ones. Contributions only shrink as the selection grows (submodularity), so
    stale ones are upper bounds, tightened cheaply with the overlap of each new pick; only the
    most promising rows are re-evaluated exactly, a few at a time.

    Args:
        losses: ``(n, n_objectives)`` finite losses.
        subset_size: Number of rows to pick (at most ``n``).
        ref: Finite reference point.
        prefix: Rows known to be the first greedy picks; the search continues after them
            (their gains are not recomputed: the returned gains cover the new picks only).
    """
    n = len(losses)
    clipped = np.minimum(losses, ref)
    box = np.prod(ref - clipped, axis=1)
    upper = box.copy()
    exact = np.ones(n, dtype=bool)
    available = np.ones(n, dtype=bool)
    chosen = list(prefix or [])
    for row in chosen:
        upper = np.minimum(upper, box - np.prod(ref - np.maximum(clipped, clipped[row]), axis=1))
        available[row] = False
    if chosen:
        exact[:] = False
    gains: list[float] = []
    while len(chosen) < min(subset_size, n):
        candidates = np.flatnonzero(available)
        batch = 4
        while True:
            best = candidates[np.argmax(upper[candidates])]  # the first on ties
            if exact[best]:
                break
            stale = candidates[~exact[candidates]]
            todo = stale[np.argsort(-upper[stale], kind="stable")[:batch]]
            overlap = np.maximum(clipped[todo][:, np.newaxis, :], clipped[chosen][np.newaxis])
            upper[todo] = np.maximum(box[todo] - _hv_batch(overlap, ref), 0.0)
            exact[todo] = True
            batch *= 2
        chosen.append(int(best))
        gains.append(float(upper[best]))
        available[best] = False
        upper = np.minimum(upper, box - np.prod(ref - np.maximum(clipped, clipped[best]), axis=1))
        exact[:] = False
    return chosen, gains
