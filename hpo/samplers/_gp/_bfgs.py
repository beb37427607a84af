"""Box-constrained quasi-Newton minimisation of many independent problems in lock-step.

Each row of ``x`` is its own problem (one start of the acquisition search). Every iteration
asks for the values and gradients of all still-moving rows in one call, so the Python and numpy
overhead of the objective is shared by the rows, while each row keeps its own inverse-Hessian
approximation, step length and stopping test.

The method is a projected BFGS: coordinates sitting on a bound with the gradient pushing
outwards are frozen for the step, the direction is the Newton step of the Hessian approximation
restricted to the free coordinates, and a backtracking Armijo search runs along the projected
path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_ARMIJO = 1e-4
_MAX_BACKTRACKS = 12


class BatchedBoxBFGS:
    """State of ``len(x0)`` independent minimisations of ``fun`` over ``[lower, upper]``.

    Args:
        fun: ``fun(rows, x)`` maps the points ``x`` (shape ``(len(rows), D)``) of the problems
            ``rows`` to values ``(len(rows),)`` and gradients ``(len(rows), D)``.
        x0: Starting points, shape ``(B, D)``.
        lower: Lower bounds, shape ``(D,)``.
        upper: Upper bounds, shape ``(D,)``.
        first_step: Largest coordinate change of a row's first (steepest-descent) step; it is
            also at most ``1 / max|gradient|``, as a steep slope often means a nearby optimum.
    """

    def __init__(
        self,
        fun: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
        x0: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        first_step: float = 0.25,
    ) -> None:
        self.fun = fun
        self.lower, self.upper = lower, upper
        self.x = np.clip(np.array(x0, dtype=float), lower, upper)
        n, dim = self.x.shape
        self.f, self.g = fun(np.arange(n), self.x)
        # Inverse-Hessian approximations; rescaled from the identity at the first curvature pair.
        self.H = np.broadcast_to(np.eye(dim), (n, dim, dim)).copy()
        self.scaled = np.zeros(n, dtype=bool)
        self.first_step = first_step
        # Rows that cannot move any more: a non-finite value, or no decrease found along a
        # descent direction (converged as far as the objective's precision allows).
        self.stuck = ~np.isfinite(self.f + self.g.sum(axis=1))
        self.n_evals = 1

    def projected_gradient(self, rows: np.ndarray) -> np.ndarray:
        """Largest component of the projected gradient of each row (0 at a KKT point)."""
        x, g = self.x[rows], self.g[rows]
        return np.max(np.abs(np.clip(x - g, self.lower, self.upper) - x), axis=1)

    def run(self, rows: np.ndarray, pgtol: float, ftol: float, max_iter: int) -> None:
        """Iterate the rows ``rows`` (indices) until each meets a stopping test.

        A row stops when its projected gradient is below ``pgtol``, when a step lowered its
        value by less than ``ftol * max(|f|, 1)``, when no decrease can be found, or after
        ``max_iter`` iterations.
        """
        active = rows[~self.stuck[rows]]
        active = active[self.projected_gradient(active) > pgtol]
        for _ in range(max_iter):
            if not len(active):
                return
            tiny = ftol * np.maximum(np.abs(self.f[active]), 1.0)
            decrease = self._iterate(active, tiny)
            keep = (decrease > tiny) & ~self.stuck[active]
            active = active[keep]
            active = active[self.projected_gradient(active) > pgtol]

    def _direction(self, x: np.ndarray, g: np.ndarray, H: np.ndarray) -> np.ndarray:
        lower, upper = self.lower, self.upper
        blocked = ((x <= lower) & (g > 0)) | ((x >= upper) & (g < 0))
        g_free = np.where(blocked, 0.0, g)
        u = np.matmul(H, g_free[:, :, None])[:, :, 0]
        some = np.flatnonzero(blocked.any(axis=1))
        if len(some):
            # Newton step on the free block F: (B_FF)^-1 = H_FF - H_FA (H_AA)^-1 H_AF with
            # B = H^-1; the blocked block A is solved with identity rows padding the free ones.
            b = blocked[some]
            Hs = H[some]
            dim = x.shape[1]
            H_AA = np.where(b[:, :, None] & b[:, None, :], Hs, np.eye(dim))
            v = np.linalg.solve(H_AA, np.where(b, u[some], 0.0)[:, :, None])
            u[some] -= np.matmul(Hs, v)[:, :, 0]
            u[some] = np.where(b, 0.0, u[some])
        return -u

    def _iterate(self, rows: np.ndarray, tiny: np.ndarray) -> np.ndarray:
        """One projected quasi-Newton step of each row; returns the decrease of each value.

        A row whose step fails the Armijo test while promising a decrease below ``tiny`` is
        marked stuck instead of shortening the step further: the objective is not precise
        enough to resolve such decreases.
        """
        x, f, g, H = self.x[rows], self.f[rows], self.g[rows], self.H[rows]
        p = self._direction(x, g, H)
        t = np.ones(len(rows))
        first = ~self.scaled[rows]
        if first.any():
            size = np.max(np.abs(p[first]), axis=1)
            step = np.minimum(self.first_step, 1.0 / np.maximum(size, 1e-300))
            t[first] = np.minimum(1.0, step / np.maximum(size, 1e-300))

        x_new, f_new, g_new = x, f.copy(), g
        pending = np.arange(len(rows))
        trial = np.clip(x + t[:, None] * p, self.lower, self.upper)
        for _ in range(_MAX_BACKTRACKS):
            ft, gt = self.fun(rows[pending], trial)
            self.n_evals += 1
            xp, fp = x[pending], f[pending]
            slope = np.minimum(np.einsum("bi,bi->b", g[pending], trial - xp), 0.0)
            ok = (ft <= fp + _ARMIJO * slope) & (ft < fp) & np.isfinite(ft + gt.sum(axis=1))
            if ok.all() and len(pending) == len(rows):
                x_new, f_new, g_new = trial, ft, gt
                pending = pending[:0]
                break
            if x_new is x:
                x_new, g_new = x.copy(), g.copy()
            done = pending[ok]
            x_new[done], f_new[done], g_new[done] = trial[ok], ft[ok], gt[ok]
            bad = ~ok
            hopeless = bad & (-slope <= tiny[pending])
            self.stuck[rows[pending[hopeless]]] = True
            bad &= ~hopeless
            pending, ft, slope, fp = pending[bad], ft[bad], slope[bad], fp[bad]
            if not len(pending):
                break
            tp = t[pending]
            # Minimiser of the quadratic through f(0), its slope and f(t), kept in [t/10, t/2].
            with np.errstate(all="ignore"):
                t_quad = -slope * tp / (2.0 * (ft - fp - slope))
            t_quad = np.where(np.isfinite(t_quad), t_quad, 0.1 * tp)
            t[pending] = tp = np.clip(t_quad, 0.1 * tp, 0.5 * tp)
            trial = np.clip(x[pending] + tp[:, None] * p[pending], self.lower, self.upper)
        self.stuck[rows[pending]] = True

        s, y = x_new - x, g_new - g
        sy = np.einsum("bi,bi->b", s, y)
        yy = np.einsum("bi,bi->b", y, y)
        good = sy > 1e-12 * np.sqrt(np.einsum("bi,bi->b", s, s) * yy)
        if good.any():
            Hg, sg, yg, syg = H[good], s[good], y[good], sy[good]
            rescale = first[good]
            if rescale.any():
                gamma = syg[rescale] / yy[good][rescale]
                Hg[rescale] = gamma[:, None, None] * np.eye(x.shape[1])
            rho = 1.0 / syg
            Hy = np.matmul(Hg, yg[:, :, None])[:, :, 0]
            coef = rho * rho * np.einsum("bi,bi->b", yg, Hy) + rho
            # H+ = H - rho (s Hy' + Hy s') + (rho^2 y'Hy + rho) s s'
            sHy = sg[:, :, None] * Hy[:, None, :]
            Hg -= rho[:, None, None] * (sHy + sHy.transpose(0, 2, 1))
            Hg += coef[:, None, None] * (sg[:, :, None] * sg[:, None, :])
            H[good] = Hg
            self.scaled[rows[good]] = True
        self.x[rows], self.f[rows], self.g[rows], self.H[rows] = x_new, f_new, g_new, H
        return f - f_new
