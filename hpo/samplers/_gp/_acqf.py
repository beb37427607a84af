"""Acquisition functions, all in log space and all *maximised*, with analytic input gradients.

Every model here predicts a *loss* (smaller is better), standardised.

* log expected improvement below the best loss (one objective),
* log expected hypervolume improvement (several objectives): the region the Pareto front does not
  dominate is cut into disjoint boxes; for independent Gaussian objectives the expected volume a
  new point adds to one box is a product of one-dimensional closed forms, so the whole
  expectation is exact (no Monte Carlo),
* plus ``log P(feasible)`` of every constraint model (constraints are independent GPs).
"""

from __future__ import annotations

import numpy as np

from hpo.samplers._gp import _gauss
from hpo.samplers._gp._model import GaussianProcess

_MAX_BOX_CELLS = 4096


def _mean_std(
    gp: GaussianProcess, X: np.ndarray, with_grad: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    mean, var, dmean, dvar = gp.posterior(X, with_grad)
    std = np.sqrt(var)
    dstd = None if dvar is None else dvar / (2.0 * std[:, None])
    return mean, std, dmean, dstd


class Acquisition:
    """``log EI`` / ``log EHVI`` of the objectives plus ``log P(feasible)`` of the constraints.

    Args:
        objective_gps: One GP per objective (losses); empty to use only the feasibility term.
        best_loss: Single objective: the loss to improve on.
        boxes: Several objectives: ``(lower, upper)`` corners of the non-dominated boxes.
        constraint_gps: ``(gp, threshold)`` pairs; feasible means ``c(x) <= threshold``.
    """

    def __init__(
        self,
        objective_gps: list[GaussianProcess],
        best_loss: float | None = None,
        boxes: tuple[np.ndarray, np.ndarray] | None = None,
        constraint_gps: list[tuple[GaussianProcess, float]] | None = None,
    ) -> None:
        self.objective_gps = objective_gps
        self.best_loss = best_loss
        self.boxes = boxes
        self.constraint_gps = constraint_gps or []
        n_boxes = 1 if boxes is None else len(boxes[0])
        # Points per chunk so that (points x boxes x objectives) arrays stay small.
        self.chunk = max(16, int(2_000_000 // (n_boxes * max(len(objective_gps), 1))))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Acquisition values of the rows of ``X``."""
        out = np.empty(len(X))
        for start in range(0, len(X), self.chunk):
            stop = start + self.chunk
            out[start:stop] = self._evaluate(X[start:stop], with_grad=False)[0]
        return out

    def value_and_grad(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Acquisition values of the rows of ``X`` and their gradients w.r.t. ``X``."""
        value, grad = self._evaluate(X, with_grad=True)
        assert grad is not None
        return value, grad

    def _evaluate(self, X: np.ndarray, with_grad: bool) -> tuple[np.ndarray, np.ndarray | None]:
        value = np.zeros(len(X))
        grad = np.zeros_like(X) if with_grad else None
        if self.objective_gps:
            stats = [_mean_std(gp, X, with_grad) for gp in self.objective_gps]
            if len(stats) == 1:
                mean, std = stats[0][0][:, None], stats[0][1][:, None]
            else:
                mean = np.stack([s[0] for s in stats], axis=1)
                std = np.stack([s[1] for s in stats], axis=1)
            if self.boxes is None:
                assert self.best_loss is not None
                v, d_mean, d_std = _log_ei(mean, std, self.best_loss)
            else:
                v, d_mean, d_std = _log_ehvi(mean, std, *self.boxes)
            value += v
            if grad is not None:
                for m, (_, _, dmean, dstd) in enumerate(stats):
                    assert dmean is not None and dstd is not None
                    grad += d_mean[:, m, None] * dmean + d_std[:, m, None] * dstd
        for gp, threshold in self.constraint_gps:
            mean, std, dmean, dstd = _mean_std(gp, X, with_grad)
            v, d_mean, d_std = _log_pof(mean, std, threshold)
            value += v
            if grad is not None:
                assert dmean is not None and dstd is not None
                grad += d_mean[:, None] * dmean + d_std[:, None] * dstd
        return value, grad


def _log_ei(
    mean: np.ndarray, std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log E[max(best - Y, 0)]`` for ``Y ~ N(mean, std^2)``; derivatives w.r.t. mean and std."""
    mean, std = mean[:, 0], std[:, 0]
    z = (best - mean) / std
    lh, dlh = _gauss.log_h(z)
    value = np.log(std) + lh
    d_mean = -dlh / std
    d_std = (1.0 - dlh * z) / std
    return value, d_mean[:, None], d_std[:, None]


def _log_pof(
    mean: np.ndarray, std: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log P(C <= threshold)`` for ``C ~ N(mean, std^2)`` and its derivatives."""
    z = (threshold - mean) / std
    value = _gauss.log_ndtr(z)
    ratio = np.exp(_gauss.log_phi(z) - value)
    return value, -ratio / std, -ratio * z / std


def _log_ehvi(
    mean: np.ndarray, std: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact log expected hypervolume improvement over the boxes ``[lower, upper]``.

    For one box and one objective, ``E[clip(upper - Y, 0, upper - lower)]`` equals
    ``std * (h(b) - h(a))`` with ``a, b`` the standardised box edges; a box's expected volume is
    the product over objectives and the boxes add up.
    """
    mu, sd = mean[:, None, :], std[:, None, :]
    with np.errstate(invalid="ignore", over="ignore"):
        a = (lower[None] - mu) / sd
        b = (upper[None] - mu) / sd
        log_ha, _ = _gauss.log_h(a)
        log_hb, _ = _gauss.log_h(b)
        log_psi = (
            np.log(sd) + log_hb + _gauss.log1mexp(np.nan_to_num(log_ha - log_hb, nan=-np.inf))
        )
    log_psi = np.where(np.isnan(log_psi), -np.inf, log_psi)
    value, weights = _gauss.logsumexp(np.sum(log_psi, axis=2), axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        d_mean_box = -np.exp(np.minimum(_gauss.log_ndtr_diff(a, b) - log_psi, 700.0))
        d_std_box = np.exp(np.minimum(_gauss.log_phi(b) - log_psi, 700.0)) - np.exp(
            np.minimum(_gauss.log_phi(a) - log_psi, 700.0)
        )
    d_mean_box = np.nan_to_num(d_mean_box, nan=0.0, posinf=0.0, neginf=0.0)
    d_std_box = np.nan_to_num(d_std_box, nan=0.0, posinf=0.0, neginf=0.0)
    w = weights[:, :, None] if weights.ndim == 2 else weights
    d_mean = np.sum(w * d_mean_box, axis=1)
    d_std = np.sum(w * d_std_box, axis=1)
    return value, d_mean, d_std


def nondominated_boxes(
    front: np.ndarray, reference: np.ndarray, rng: np.random.RandomState | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes covering the part of ``{y <= reference}`` no point of ``front`` dominates.

    The first ``M - 1`` objectives are cut into a grid at the front's coordinates (the lowest
    cell starts at ``-inf``); in each grid cell the non-dominated part is everything below the
    smallest last objective among the front points that dominate the cell's lower corner.
    """
    front = front[np.all(front < reference, axis=1)]
    n_obj = front.shape[1]
    max_points = int(_MAX_BOX_CELLS ** (1.0 / max(n_obj - 1, 1))) - 1
    if len(front) > max_points:
        rng = rng or np.random.RandomState(0)
        front = front[rng.choice(len(front), max_points, replace=False)]
    edges = []
    for j in range(n_obj - 1):
        coords = np.unique(front[:, j])
        edges.append(np.concatenate([[-np.inf], coords, [reference[j]]]))
    grids = np.meshgrid(*[np.arange(len(e) - 1) for e in edges], indexing="ij")
    cell_idx = np.stack([g.ravel() for g in grids], axis=1)
    lower = np.stack([edges[j][cell_idx[:, j]] for j in range(n_obj - 1)], axis=1)
    upper = np.stack([edges[j][cell_idx[:, j] + 1] for j in range(n_obj - 1)], axis=1)
    if len(front):
        dominating = np.all(front[None, :, : n_obj - 1] <= lower[:, None, :], axis=2)
        last = np.where(dominating, front[None, :, n_obj - 1], np.inf).min(axis=1)
    else:
        last = np.full(len(lower), np.inf)
    last_upper = np.minimum(last, reference[n_obj - 1])
    lower = np.hstack([lower, np.full((len(lower), 1), -np.inf)])
    upper = np.hstack([upper, last_upper[:, None]])
    keep = np.all(upper > lower, axis=1)
    return lower[keep], upper[keep]
