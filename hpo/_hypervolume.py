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
    order = np.argsort(pts[..., 0], axis=1, kind="stable")
    xs = np.take_along_axis(pts[..., 0], order, axis=1)
    ys = np.take_along_axis(pts[..., 1], order, axis=1)
    gaps = np.diff(xs, axis=1, append=np.full((xs.shape[0], 1), ref[0]))
    heights = ref[1] - np.minimum.accumulate(ys, axis=1)
    return np.sum(gaps * heights, axis=1)


def _hv3d_batch(pts: np.ndarray, ref: np.ndarray) -> np.ndarray:
    # Slice along z: slab i (between the i-th and (i+1)-th smallest z) is covered by the 2-D
    # hypervolume of the points whose z rank is <= i. All slabs are computed at once.
    batch, n, _ = pts.shape
    x_order = np.argsort(pts[..., 0], axis=1, kind="stable")
    xs = np.take_along_axis(pts[..., 0], x_order, axis=1)
    ys = np.take_along_axis(pts[..., 1], x_order, axis=1)
    zs_by_x = np.take_along_axis(pts[..., 2], x_order, axis=1)
    z_order = np.argsort(zs_by_x, axis=1, kind="stable")
    z_rank = np.empty_like(z_order)
    np.put_along_axis(z_rank, z_order, np.arange(n)[np.newaxis].repeat(batch, 0), axis=1)
    zs = np.take_along_axis(zs_by_x, z_order, axis=1)
    member = z_rank[:, np.newaxis, :] <= np.arange(n)[np.newaxis, :, np.newaxis]
    y_slab = np.where(member, ys[:, np.newaxis, :], ref[1])
    heights = ref[1] - np.minimum.accumulate(y_slab, axis=2)
    gaps = np.diff(xs, axis=1, append=np.full((batch, 1), ref[0]))
    areas = np.einsum("bij,bj->bi", heights, gaps)
    z_gaps = np.diff(zs, axis=1, append=np.full((batch, 1), ref[2]))
    return np.sum(areas * z_gaps, axis=1)


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

    The greedy choice adds the point with the largest hypervolume contribution at each step;
    contributions only shrink as the selection grows (submodularity), so stale contributions
    are upper bounds, tightened cheaply with the overlap of the newest selected point, and only
    the most promising candidates are re-evaluated exactly.

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
    result = _greedy_hssp(losses, subset_size, ref)
    if len(_HSSP_CACHE) >= 8:
        _HSSP_CACHE.clear()
    _HSSP_CACHE[key] = result
    return result.copy()


def _greedy_hssp(losses: np.ndarray, subset_size: int, ref: np.ndarray) -> np.ndarray:
    n = len(losses)
    clipped = np.minimum(losses, ref)
    box = np.prod(ref - clipped, axis=1)
    upper = box.copy()
    available = np.ones(n, dtype=bool)
    chosen: list[int] = []
    batch = 32
    for _ in range(subset_size):
        if chosen:
            newest = clipped[chosen[-1]]
            upper = np.minimum(upper, box - np.prod(ref - np.maximum(clipped, newest), axis=1))
            fresh = np.zeros(n, dtype=bool)
            selected = clipped[chosen]
            while True:
                stale = np.flatnonzero(available & ~fresh)
                best_fresh = np.max(upper[available & fresh], initial=-np.inf)
                if stale.size == 0:
                    break
                stale = stale[np.argsort(-upper[stale], kind="stable")]
                if best_fresh >= upper[stale[0]]:
                    break
                todo = stale[:batch]
                overlap = np.maximum(clipped[todo][:, np.newaxis, :], selected[np.newaxis])
                upper[todo] = np.maximum(box[todo] - _hv_batch(overlap, ref), 0.0)
                fresh[todo] = True
            candidates = np.flatnonzero(available & fresh)
        else:
            candidates = np.flatnonzero(available)
        best = int(candidates[np.argmax(upper[candidates])])
        chosen.append(best)
        available[best] = False
        upper[best] = -np.inf
    return np.sort(np.array(chosen, dtype=int))
