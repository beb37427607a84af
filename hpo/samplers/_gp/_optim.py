"""Maximising an acquisition function over a mixed continuous / discrete / categorical space.

1. Score a vectorised batch of candidates: uniform random points plus points scattered around
   the best trials.
2. Keep the best candidate, the given warm starts and a few more drawn in proportion to their
   (exponentiated) acquisition values.
3. Improve all starts at once with a batched box-constrained BFGS over the continuous
   coordinates (each start its own problem, evaluated together), loosely; then polish the best
   start tightly so the suggested point is precise. Then sweep the values of each discrete
   coordinate exhaustively; repeat while the sweep moves.

The continuous coordinates are optimised in units of the kernel's length scales (``x *
sqrt(lambda)``), where the acquisition is roughly isotropic, which keeps the quasi-Newton
iterations few.
"""

from __future__ import annotations

import numpy as np

from hpo.samplers._gp._acqf import Acquisition
from hpo.samplers._gp._bfgs import BatchedBoxBFGS
from hpo.samplers._gp._search_space import SearchSpace

_NEIGHBOUR_RADIUS = 4
# Stopping tests of the local search, on the projected gradient in length-scale units and on the
# relative decrease of the value: loose for every start, tight for the best one.
_COARSE = (1e-2, 1e-6, 60)
_FINE = (1e-3, 1e-8, 20)


def optimize_acquisition(
    acqf: Acquisition,
    space: SearchSpace,
    rng: np.random.RandomState,
    warm_starts: np.ndarray | None = None,
    n_candidates: int = 1024,
    n_local: int = 8,
    max_rounds: int = 3,
) -> tuple[np.ndarray, float]:
    """Return the best point found (encoded) and its acquisition value."""
    n_random = n_candidates
    candidates = [space.sample(n_random, rng)]
    if warm_starts is not None and len(warm_starts):
        n_near = n_candidates // 4
        candidates.append(space.perturb(warm_starts, n_near // 2, 0.02, rng))
        candidates.append(space.perturb(warm_starts, n_near - n_near // 2, 0.1, rng))
    X = np.vstack(candidates)
    values = acqf(X)
    starts = _choose_starts(X, values, warm_starts, n_local, rng)
    start_values = acqf(starts)

    best_x, best_v = starts.copy(), start_values.copy()
    x_cur, v_cur = starts, start_values
    # Wide integer grids are first searched as continuous coordinates and snapped; after that
    # the neighbour sweeps move them, and the gradient search keeps to the truly continuous ones.
    mask = space.continuous_mask
    for _ in range(max_rounds):
        if mask.any():
            x_cur, v_cur = _local_continuous(acqf, space, x_cur, mask)
        mask = space.continuous_mask & (space.steps == 0)
        x_cur, v_cur, moved = _sweep_discrete(acqf, space, x_cur, v_cur)
        improved = v_cur > best_v
        best_x[improved], best_v[improved] = x_cur[improved], v_cur[improved]
        if not moved:
            break
    i = int(np.argmax(np.where(np.isnan(best_v), -np.inf, best_v)))
    return best_x[i], float(best_v[i])


def _choose_starts(
    X: np.ndarray,
    values: np.ndarray,
    warm_starts: np.ndarray | None,
    n_local: int,
    rng: np.random.RandomState,
) -> np.ndarray:
    chosen = [int(np.argmax(values))]
    finite = np.isfinite(values)
    if finite.sum() > 1:
        weights = np.where(finite, np.exp(values - values[finite].max()), 0.0)
        weights[chosen[0]] = 0.0
        n_more = min(n_local - 1, int(np.count_nonzero(weights)))
        if n_more > 0:
            extra = rng.choice(len(X), n_more, replace=False, p=weights / weights.sum())
            chosen.extend(int(e) for e in extra)
    starts = X[chosen]
    if warm_starts is not None and len(warm_starts):
        starts = np.vstack([warm_starts, starts])
    return starts


def _length_scale_units(acqf: Acquisition, mask: np.ndarray) -> np.ndarray:
    """``sqrt(lambda)`` of the ``mask`` columns, averaged over the models (1 without one)."""
    gps = acqf.objective_gps or [gp for gp, _ in acqf.constraint_gps]
    if not gps:
        return np.ones(int(mask.sum()))
    units = np.exp(np.mean([0.5 * np.log(gp.lam[mask]) for gp in gps], axis=0))
    return np.clip(units, 1e-3, 1e3)


def _local_continuous(
    acqf: Acquisition, space: SearchSpace, X0: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    units = _length_scale_units(acqf, mask)

    def neg_acqf(rows: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = X0[rows].copy()
        X[:, mask] = Z / units
        value, grad = acqf.value_and_grad(X)
        return -value, -grad[:, mask] / units

    with np.errstate(all="ignore"):
        opt = BatchedBoxBFGS(neg_acqf, X0[:, mask] * units, np.zeros_like(units), units)
        rows = np.arange(len(X0))
        pgtol, ftol, max_iter = _COARSE
        opt.run(rows, pgtol, ftol, max_iter)
        finite = np.isfinite(opt.f)
        if finite.any():
            best = np.flatnonzero(finite)[[int(np.argmin(opt.f[finite]))]]
            pgtol, ftol, max_iter = _FINE
            opt.run(best, pgtol, ftol, max_iter)
    X = X0.copy()
    X[:, mask] = np.clip(opt.x / units, 0.0, 1.0)
    values = -opt.f
    if np.any(mask & (space.steps > 0)):
        space.snap(X)
        values = acqf(X)
        # Snapping can lose more than the local search gained; keep the better endpoint.
        before = acqf(X0)
        worse = ~(values >= before)
        X[worse], values[worse] = X0[worse], before[worse]
    return X, values


def _sweep_discrete(
    acqf: Acquisition, space: SearchSpace, X: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Coordinate-wise exhaustive search over each discrete dimension, for every row at once."""
    X, values = X.copy(), values.copy()
    moved = False
    n = len(X)
    for i in space.exhaustive_indices:
        options = np.broadcast_to(space.choices(i), (n, space.n_choices[i]))
        moved |= _try_options(acqf, X, values, i, options)
    for i in np.flatnonzero(space.continuous_mask & (space.steps > 0)):
        options = space.neighbours(X[:, i], i, _NEIGHBOUR_RADIUS)
        moved |= _try_options(acqf, X, values, i, options)
    return X, values, moved


def _try_options(
    acqf: Acquisition, X: np.ndarray, values: np.ndarray, i: int, options: np.ndarray
) -> bool:
    n, k = options.shape
    trial = np.repeat(X, k, axis=0)
    trial[:, i] = options.ravel()
    trial_values = acqf(trial).reshape(n, k)
    best = np.argmax(trial_values, axis=1)
    best_values = trial_values[np.arange(n), best]
    better = best_values > values + 1e-12 * np.abs(values)
    if not better.any():
        return False
    X[better, i] = options[better, best[better]]
    values[better] = best_values[better]
    return True
