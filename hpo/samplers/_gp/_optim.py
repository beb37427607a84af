"""Maximising an acquisition function over a mixed continuous / discrete / categorical space.

1. Score a vectorised batch of candidates: uniform random points plus points scattered around
   the best trials.
2. Keep the best candidate, the given warm starts and a few more drawn in proportion to their
   (exponentiated) acquisition values.
3. Improve all starts at once: one L-BFGS-B run over the stacked continuous coordinates of every
   start (the objective is a sum of independent terms, so the starts do not interact), then an
   exhaustive sweep over the values of each discrete coordinate; repeat while the sweep moves.
"""

from __future__ import annotations

import numpy as np

from hpo.samplers._gp._acqf import Acquisition
from hpo.samplers._gp._search_space import SearchSpace

_NEIGHBOUR_RADIUS = 4


def optimize_acquisition(
    acqf: Acquisition,
    space: SearchSpace,
    rng: np.random.RandomState,
    warm_starts: np.ndarray | None = None,
    n_candidates: int = 1024,
    n_local: int = 8,
    max_rounds: int = 3,
    tol: float = 1e-4,
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
    for _ in range(max_rounds):
        if space.continuous_mask.any():
            x_cur, v_cur = _local_continuous(acqf, space, x_cur, tol)
        x_cur, v_cur, moved = _sweep_discrete(acqf, space, x_cur, v_cur)
        improved = v_cur > best_v
        best_x[improved], best_v[improved] = x_cur[improved], v_cur[improved]
        if not moved:
            break
    i = int(np.argmax(best_v))
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


def _local_continuous(
    acqf: Acquisition, space: SearchSpace, X0: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import minimize

    mask = space.continuous_mask
    n, n_cont = len(X0), int(mask.sum())
    X = X0.copy()

    def neg_sum(z: np.ndarray) -> tuple[float, np.ndarray]:
        X[:, mask] = z.reshape(n, n_cont)
        value, grad = acqf.value_and_grad(X)
        finite = np.isfinite(value)
        # A start stuck where the acquisition underflows contributes nothing (and no gradient).
        total = -float(np.sum(np.where(finite, value, 0.0)))
        g = -np.where(finite[:, None], grad, 0.0)[:, mask]
        return total, g.ravel()

    with np.errstate(all="ignore"):
        res = minimize(
            neg_sum,
            X0[:, mask].ravel(),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 1.0)] * (n * n_cont),
            options={"maxiter": 200, "gtol": tol},
        )
    X[:, mask] = np.clip(res.x.reshape(n, n_cont), 0.0, 1.0)
    space.snap(X)
    values = acqf(X)
    # L-BFGS-B may wander for some starts while improving the sum; keep the better endpoint.
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
