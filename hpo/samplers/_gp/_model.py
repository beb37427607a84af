"""Gaussian-process regression with a Matérn-5/2 ARD kernel, in plain numpy.

Hyperparameters are kept as a raw vector ``theta = [log lambda_1..D, log s, log(noise - min)]``
where ``lambda_d`` is the inverse squared length scale of dimension ``d`` and ``s`` the kernel
scale. They are fitted by maximising the marginal likelihood times a weak prior, with analytic
gradients and L-BFGS-B. Categorical columns contribute ``1`` to the squared distance when the
categories differ and ``0`` otherwise (a Hamming-type kernel).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.linalg import LinAlgError, cho_solve, cholesky, solve_triangular

from hpo.logging import get_logger

_logger = get_logger(__name__)

# Floor of the noise variance (the targets are standardised). For deterministic objectives it
# sets how finely the model tells values near the optimum apart: at 1e-6 late trials scatter
# around the optimum at the noise level, each factor of 100 below keeps converging further
# (benchmarks/quality.py), and the kernel matrix still factorises in double precision.
MINIMUM_NOISE = 1e-10
_SQRT5 = math.sqrt(5.0)
_DIRECT_ROWS = 64


def matern52(r2: np.ndarray, with_deriv: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Matérn-5/2 correlation of squared scaled distances and its derivative w.r.t. ``r2``."""
    r = np.sqrt(5.0 * np.maximum(r2, 0.0))
    e = np.exp(-r)
    value = e * (1.0 + r + r * r / 3.0)
    if not with_deriv:
        return value, None
    deriv = -(5.0 / 6.0) * (1.0 + r) * e
    return value, deriv


def squared_diffs(X1: np.ndarray, X2: np.ndarray, is_cat: np.ndarray) -> np.ndarray:
    """Per-dimension squared differences, shape ``(n1, n2, D)`` (0/1 on categorical columns)."""
    diff = X1[:, None, :] - X2[None, :, :]
    sqd = diff * diff
    if is_cat.any():
        sqd[..., is_cat] = (sqd[..., is_cat] > 0.0).astype(float)
    return sqd


def default_theta(dim: int) -> np.ndarray:
    return np.concatenate([np.zeros(dim), [0.0, math.log(0.1)]])


def _log_prior(theta: np.ndarray, dim: int, deterministic: bool) -> tuple[float, np.ndarray]:
    """Weak priors: a bump on each ``lambda`` around 1, Gamma(2, 1) on the scale, and a Gamma
    prior favouring small noise. Returns the value and its gradient in ``theta``."""
    lam = np.exp(theta[:dim])
    scale = math.exp(theta[dim])
    grad = np.zeros_like(theta)
    value = float(-np.sum(0.1 / lam + 0.1 * lam))
    grad[:dim] = 0.1 / lam - 0.1 * lam
    value += math.log(scale) - scale
    grad[dim] = 1.0 - scale
    if not deterministic:
        excess = math.exp(theta[dim + 1])
        noise = MINIMUM_NOISE + excess
        value += 0.1 * math.log(noise) - 30.0 * noise
        grad[dim + 1] = (0.1 / noise - 30.0) * excess
    return value, grad


class GaussianProcess:
    """A GP conditioned on ``(X, y)`` with fixed hyperparameters ``theta``.

    Args:
        X: Encoded inputs, shape ``(n, D)``.
        y: Targets (standardised), shape ``(n,)``.
        is_cat: Which columns are categorical.
        theta: Raw hyperparameters (see the module docstring).
        deterministic: Fix the noise at :data:`MINIMUM_NOISE`.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        is_cat: np.ndarray,
        theta: np.ndarray,
        deterministic: bool = False,
    ) -> None:
        self.X, self.y, self.is_cat = X, y, is_cat
        self.theta = np.asarray(theta, dtype=float)
        self.deterministic = deterministic
        dim = X.shape[1]
        self.lam = np.exp(self.theta[:dim])
        self.scale = math.exp(self.theta[dim])
        self.noise = MINIMUM_NOISE + (0.0 if deterministic else math.exp(self.theta[dim + 1]))
        self._num = np.flatnonzero(~is_cat)
        self._cat = np.flatnonzero(is_cat)
        self._X_num = np.ascontiguousarray(X[:, self._num])
        self._lam_num = self.lam[self._num]
        # For the kernel matrix and large query batches the continuous columns enter through
        # ||z - z'||^2 = |z|^2 + |z'|^2 - 2 z.z' with z = sqrt(lambda) * x (one matmul). Small
        # batches (the local search) use the differences themselves, which stay exact next to
        # the training points where the expansion cancels.
        self._Z = self._X_num * np.sqrt(self._lam_num)
        self._Z_sq = np.einsum("nd,nd->n", self._Z, self._Z)
        r2 = self._Z_sq[:, None] + self._Z_sq[None, :] - 2.0 * (self._Z @ self._Z.T)
        np.maximum(r2, 0.0, out=r2)
        for d in self._cat:
            r2 += self.lam[d] * (X[:, d, None] != X[None, :, d])
        K = self.scale * matern52(r2, False)[0]
        K[np.diag_indices_from(K)] = self.scale + self.noise
        L = _cholesky(K)
        self.alpha = cho_solve((L, True), y, check_finite=False)
        # Variances are computed as s - |L^-1 k|^2: the explicit K^-1 would lose them to
        # cancellation when the kernel matrix is ill-conditioned (long length scales).
        self.L_inv_T = np.ascontiguousarray(
            solve_triangular(L, np.eye(len(y)), lower=True, check_finite=False).T
        )

    def posterior(
        self, Xq: np.ndarray, with_grad: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Posterior mean and variance of the latent function at ``Xq`` (shape ``(B, D)``).

        With ``with_grad`` also their gradients w.r.t. ``Xq`` (zero on categorical columns).
        """
        num = self._num
        diff = None
        if with_grad or len(Xq) <= _DIRECT_ROWS:
            diff = Xq[:, None, num] - self._X_num[None]
            r2 = (diff * diff) @ self._lam_num
        else:
            Zq = Xq[:, num] * np.sqrt(self._lam_num)
            r2 = np.einsum("bd,bd->b", Zq, Zq)[:, None] + self._Z_sq - 2.0 * (Zq @ self._Z.T)
            np.maximum(r2, 0.0, out=r2)
        for d in self._cat:
            r2 += self.lam[d] * (Xq[:, d, None] != self.X[None, :, d])
        r = np.sqrt(5.0 * r2)
        e = np.exp(-r)
        k = (self.scale * e) * (r * (r * (1.0 / 3.0) + 1.0) + 1.0)
        mean = k @ self.alpha
        V = k @ self.L_inv_T
        var = np.maximum(self.scale - np.einsum("bn,bn->b", V, V), 1e-12 * self.scale)
        if not with_grad:
            return mean, var, None, None
        assert diff is not None
        w = V @ self.L_inv_T.T
        # d k_i / d x_d = 2 s lambda_d m'(r2_i) (x_d - X_id), with m' = -5/6 (1 + r) e^-r;
        # contracted against alpha (mean) and -2 K^-1 k (variance).
        dk = (self.scale * (-5.0 / 6.0)) * (1.0 + r) * e
        weights = np.stack([dk * self.alpha, -2.0 * dk * w], axis=1)
        both = np.matmul(weights, diff) * (2.0 * self._lam_num)
        dmean = np.zeros_like(Xq)
        dvar = np.zeros_like(Xq)
        dmean[:, num] = both[:, 0]
        dvar[:, num] = both[:, 1]
        return mean, var, dmean, dvar

    def condition(self, X_new: np.ndarray, y_new: np.ndarray) -> GaussianProcess:
        """The same GP with extra (e.g. fantasised) observations, hyperparameters unchanged."""
        return GaussianProcess(
            np.vstack([self.X, X_new]),
            np.concatenate([self.y, y_new]),
            self.is_cat,
            self.theta,
            self.deterministic,
        )


def _cholesky(K: np.ndarray) -> np.ndarray:
    jitter = 0.0
    for _ in range(6):
        try:
            if jitter:
                K = K + jitter * np.eye(len(K))
            return cholesky(K, lower=True, check_finite=False)
        except LinAlgError:
            jitter = 1e-8 if not jitter else jitter * 10
    raise np.linalg.LinAlgError("The kernel matrix is not positive definite.")


def _neg_log_posterior(
    theta: np.ndarray, sqd_flat: np.ndarray, y: np.ndarray, deterministic: bool
) -> tuple[float, np.ndarray]:
    """Negative (log marginal likelihood + log prior) and its gradient in ``theta``."""
    n, dim = len(y), sqd_flat.shape[1]
    lam = np.exp(theta[:dim])
    scale = math.exp(theta[dim])
    excess = 0.0 if deterministic else math.exp(theta[dim + 1])
    corr, dcorr = matern52(sqd_flat @ lam)
    assert dcorr is not None
    Kf = (scale * corr).reshape(n, n)
    K = Kf.copy()
    K[np.diag_indices_from(K)] += MINIMUM_NOISE + excess
    try:
        L = cholesky(K, lower=True, check_finite=False)
    except LinAlgError:
        return 1e20, np.zeros_like(theta)
    alpha = cho_solve((L, True), y, check_finite=False)
    nll = 0.5 * float(y @ alpha) + float(np.sum(np.log(np.diag(L))))
    W = cho_solve((L, True), np.eye(n), check_finite=False) - np.outer(alpha, alpha)
    grad = np.zeros_like(theta)
    G = (W.ravel() * dcorr) * scale
    grad[:dim] = 0.5 * lam * (G @ sqd_flat)
    grad[dim] = 0.5 * float(np.sum(W * Kf))
    if not deterministic:
        grad[dim + 1] = 0.5 * excess * float(np.trace(W))
    prior, prior_grad = _log_prior(theta, dim, deterministic)
    return nll - prior, grad - prior_grad


def fit(
    X: np.ndarray,
    y: np.ndarray,
    is_cat: np.ndarray,
    initial_theta: np.ndarray | None = None,
    deterministic: bool = False,
    gtol: float = 1e-2,
) -> GaussianProcess:
    """Fit the hyperparameters to ``(X, y)`` and return the conditioned GP.

    ``initial_theta`` (e.g. the previous trial's optimum) warm-starts L-BFGS-B; if that fails, the
    default start is tried, and if that fails too the default hyperparameters are used.
    """
    from scipy.optimize import minimize

    dim = X.shape[1]
    sqd_flat = squared_diffs(X, X, is_cat).reshape(-1, dim)
    starts = [default_theta(dim)]
    if initial_theta is not None and initial_theta.shape == (dim + 2,):
        starts.insert(0, np.asarray(initial_theta, dtype=float))
    error: Exception | None = None
    for start in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = minimize(
                    _neg_log_posterior,
                    start,
                    args=(sqd_flat, y, deterministic),
                    jac=True,
                    method="L-BFGS-B",
                    bounds=[(-12.0, 12.0)] * dim + [(-10.0, 10.0), (-25.0, 5.0)],
                    options={"gtol": gtol, "maxiter": 200},
                )
            if np.all(np.isfinite(res.x)) and res.fun < 1e19:
                return GaussianProcess(X, y, is_cat, res.x, deterministic)
            error = RuntimeError(str(res.message))
        except (np.linalg.LinAlgError, ValueError) as e:
            error = e
    _logger.warning(
        f"Fitting the Gaussian process failed ({error}); default hyperparameters are used."
    )
    return GaussianProcess(X, y, is_cat, default_theta(dim), deterministic)
