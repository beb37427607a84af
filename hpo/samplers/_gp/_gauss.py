"""Numerically stable Gaussian quantities used by the acquisition functions.

``h(z) = phi(z) + z * Phi(z)`` is the expected improvement of a standard normal over ``-z``;
``log_h`` stays accurate far into the tail where ``h`` underflows, following the analysis in
"Unexpected Improvements to Expected Improvement for Bayesian Optimization" (Ament et al., 2023).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, ndtr
from scipy.special import log_ndtr as _log_ndtr

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_HALF_PI = math.sqrt(0.5 * math.pi)
_SERIES_FROM = 25.0


def log_phi(z: np.ndarray) -> np.ndarray:
    """Log density of the standard normal."""
    return -0.5 * z * z - _LOG_SQRT_2PI


def log_ndtr(z: np.ndarray) -> np.ndarray:
    """Log CDF of the standard normal."""
    return _log_ndtr(z)


def _one_minus_u_mills(u: np.ndarray) -> np.ndarray:
    """``1 - u * Mills(u)`` for ``u >= 1`` without catastrophic cancellation."""
    direct = 1.0 - u * _SQRT_HALF_PI * erfcx(u / math.sqrt(2.0))
    inv2 = 1.0 / (u * u)
    # Asymptotic series 1/u^2 - 3/u^4 + 15/u^6 - 105/u^8 + 945/u^10 (accurate for large u).
    series = inv2 * (1.0 - inv2 * (3.0 - inv2 * (15.0 - inv2 * (105.0 - 945.0 * inv2))))
    return np.where(u > _SERIES_FROM, series, direct)


def log_h(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log h(z)`` and its derivative ``Phi(z) / h(z)``; ``z = -inf`` gives ``(-inf, 0)``."""
    z = np.asarray(z, dtype=float)
    value = np.empty_like(z)
    grad = np.empty_like(z)
    upper = z > -1.0
    if upper.any():
        zu = z[upper]
        cdf = ndtr(zu)
        h = np.exp(log_phi(zu)) + zu * cdf
        value[upper] = np.log(h)
        grad[upper] = cdf / h
    lower = ~upper
    if lower.any():
        u = -z[lower]
        finite = np.isfinite(u)
        u_safe = np.where(finite, u, 1.0)
        rest = _one_minus_u_mills(u_safe)
        mills = _SQRT_HALF_PI * erfcx(u_safe / math.sqrt(2.0))
        value[lower] = np.where(finite, log_phi(u_safe) + np.log(rest), -np.inf)
        grad[lower] = np.where(finite, mills / rest, 0.0)
    return value, grad


def log1mexp(x: np.ndarray) -> np.ndarray:
    """``log(1 - exp(x))`` for ``x <= 0``."""
    x = np.minimum(x, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(x > -math.log(2.0), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def log_ndtr_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a < b``, accurate in both tails."""
    flip = a + b > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    log_hi = log_ndtr(hi)
    return log_hi + log1mexp(log_ndtr(lo) - log_hi)


def logsumexp(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """``log(sum(exp(x)))`` over ``axis`` and the softmax weights (its gradient)."""
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(x - top)
    total = np.sum(e, axis=axis, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(total > 0, e / total, 0.0)
        out = np.log(total) + top
    return np.squeeze(out, axis=axis), weights
