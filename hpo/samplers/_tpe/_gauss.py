"""The standard normal distribution in plain numpy: log-CDF, log-mass of intervals and inverse.

TPE's truncated Gaussian kernels need these. ``scipy.special`` has them, but importing it takes
about 0.4 s, the time of hundreds of suggestions. Everything here rests on the scaled tail
``T(u) = Phi(-u) * exp(u**2 / 2)`` (``u >= 0``): it is smooth and bounded, so piecewise
polynomials (see :mod:`._gauss_tables`) give it to about one ulp, and ``log Phi(-u) =
-u**2 / 2 + log T(u)`` stays accurate however far the tail. The inverse is a piecewise
polynomial in ``s = sqrt(-2 log p)``, refined by Newton steps beyond the tabulated range.
"""

from __future__ import annotations

import math

import numpy as np

from hpo.samplers._tpe._gauss_tables import (
    INVERSE_BREAKS,
    INVERSE_DEGREE,
    INVERSE_TAIL,
    SCALED_TAIL,
    TAIL_DEGREE,
    TAIL_PIECES,
    TAIL_SHIFT,
)

_SQRT_2PI = math.sqrt(2 * math.pi)
_LOG_HALF = math.log(0.5)
# exp() underflows below this; numpy's exp is many times slower there, so such terms are set to
# zero without calling it (they are below 1e-307 of the terms they are added to).
_EXP_FLOOR = -708.0
# Phi(-u) < 3e-19 beyond this: the mass of an interval around zero is 1 - (that) to 1e-18.
_NEGLIGIBLE_TAIL = 8.9
_TAIL_T = np.ascontiguousarray(SCALED_TAIL.T)
_INVERSE_T = np.ascontiguousarray(INVERSE_TAIL.T)
_INVERSE_MID = 0.5 * (INVERSE_BREAKS[1:] + INVERSE_BREAKS[:-1])
_INVERSE_SCALE = 2.0 / (INVERSE_BREAKS[1:] - INVERSE_BREAKS[:-1])
_INVERSE_LAST = len(INVERSE_BREAKS) - 2


def _horner(table_t: np.ndarray, degree: int, piece: np.ndarray, t: np.ndarray) -> np.ndarray:
    coefs = table_t[:, piece]  # (degree + 1, n): one contiguous row per power
    y = coefs[degree].copy()
    for j in range(degree - 1, -1, -1):
        y *= t
        y += coefs[j]
    return y


def scaled_tail(u: np.ndarray) -> np.ndarray:
    """``Phi(-u) * exp(u**2 / 2)`` for ``u >= 0`` (1-D array); NaN for NaN."""
    uc = np.minimum(u, 1e300)  # keeps inf out of the divisions below
    shifted = uc + TAIL_SHIFT
    s = uc / shifted
    s *= TAIL_PIECES
    piece = np.fmin(s, TAIL_PIECES - 1).astype(np.intp)  # NaN goes to the last piece
    s -= piece
    y = _horner(_TAIL_T, TAIL_DEGREE, piece, s)
    y /= shifted
    return y


def _exp(x: np.ndarray) -> np.ndarray:
    """``exp(x)`` for ``x <= 0``, flushing results below ``exp(-708)`` to zero (quickly)."""
    out = np.exp(np.maximum(x, _EXP_FLOOR))
    out[x < _EXP_FLOOR] = 0.0
    return out


def _exp_neg_half_square_exact(u: np.ndarray) -> np.ndarray:
    """``exp(-u**2 / 2)`` to a few ulp, 0 where it underflows.

    ``u**2`` rounds with an error of ``u**2 * eps``, which exp() turns into a relative error:
    split ``u = h + (u - h)`` with ``h`` on a coarse grid, so ``h**2`` is exact and the rest small.
    """
    u = np.minimum(u, 40.0)  # the result is 0 from 38.6 on; keeps the rest below small
    head = np.round(u * 4096.0)
    head /= 4096.0
    rest = (u - head) * (u + head)
    rest *= -0.5
    out = _exp(head * head * -0.5)
    out *= np.exp(rest)
    return out


def _exp_neg_half_square(u: np.ndarray) -> np.ndarray:
    """``exp(-u**2 / 2)``, but about ``exp(-708)`` instead of underflowing.

    Only for terms added to others of order one, where the difference cannot show; numpy's
    exp() is many times slower where it underflows.
    """
    x = u * u
    x *= -0.5
    np.maximum(x, _EXP_FLOOR, out=x)
    return np.exp(x, out=x)


def log_ndtr(x: np.ndarray) -> np.ndarray:
    """``log Phi(x)``."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _log_ndtr(x.ravel()).reshape(x.shape)


def _log_ndtr(x: np.ndarray) -> np.ndarray:
    u = np.abs(x)
    tail = scaled_tail(u)
    left = u * -0.5
    left *= u
    left += np.log(tail)  # log Phi(-u)
    right = _exp_neg_half_square_exact(u)
    right *= tail
    np.negative(right, out=right)
    right = np.log1p(right, out=right)  # log(1 - Phi(-u))
    np.copyto(left, right, where=x > 0)
    return left


def ndtr(x: np.ndarray) -> np.ndarray:
    """``Phi(x)``."""
    x = np.asarray(x, dtype=float)
    u = np.abs(x).ravel()
    lower = _exp_neg_half_square_exact(u) * scaled_tail(u)
    return np.where(x.ravel() <= 0, lower, 1.0 - lower).reshape(x.shape)


def log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, accurate in both tails."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return _log_gauss_mass(a.ravel(), b.ravel()).reshape(a.shape)


def _log_gauss_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # By symmetry (mass(a, b) == mass(-b, -a)) only the distances of the ends from zero
    # matter: ``far`` >= ``near``. An interval around zero loses both tails; one that does not
    # contain zero is the difference of two tails of the same side.
    abs_a, abs_b = np.abs(a), np.abs(b)
    n = len(a)
    u = np.empty(2 * n)
    far, near = u[:n], u[n:]
    np.maximum(abs_a, abs_b, out=far)
    np.minimum(abs_a, abs_b, out=near)
    tails = scaled_tail(u)
    around_zero = a < 0
    around_zero &= b > 0
    n_around = np.count_nonzero(around_zero)
    if n_around:
        outside = _exp_neg_half_square(u)
        outside *= tails
        central = outside[:n]
        central += outside[n:]
        np.negative(central, out=central)
        central = np.log1p(central, out=central)  # log(1 - Phi(-far) - Phi(-near))
        if n_around == n:
            return central
    one_side = _log_one_side_mass(far, near, tails[:n], tails[n:])
    if n_around:
        np.copyto(one_side, central, where=around_zero)
    return one_side


def _log_one_side_mass(
    far: np.ndarray, near: np.ndarray, t_far: np.ndarray, t_near: np.ndarray
) -> np.ndarray:
    """``log(Phi(-near) - Phi(-far))`` for ``far >= near >= 0``."""
    ratio = far - near
    ratio *= far + near
    ratio *= -0.5
    np.maximum(ratio, _EXP_FLOOR, out=ratio)
    np.exp(ratio, out=ratio)
    ratio *= t_far
    out = np.subtract(t_near, ratio, out=ratio)
    np.log(out, out=out)
    out -= 0.5 * near * near
    return out


def log_central_mass(ua: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """``log(Phi(ub) - Phi(-ua))`` for ``ua, ub >= 0``: the mass of an interval around zero.

    Accurate to 1e-18 absolute (tails beyond ``u = 8.9`` are dropped): meant for normalisers
    added to numbers of order one.
    """
    u = np.concatenate([ua.ravel(), ub.ravel()])
    outside = np.zeros_like(u)
    (near,) = (u < _NEGLIGIBLE_TAIL).nonzero()
    if len(near):
        un = np.maximum(u[near], 0.0)  # rounding may leave an end a hair outside
        outside[near] = _exp_neg_half_square(un) * scaled_tail(un)
    n = ua.size
    central = outside[:n]
    central += outside[n:]
    np.negative(central, out=central)
    return np.log1p(central, out=central).reshape(ua.shape)


def _inverse_tail(s: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """The ``u >= 0`` with ``log Phi(-u) == log_p``, where ``s = sqrt(-2 log_p)``."""
    piece = INVERSE_BREAKS.searchsorted(s, side="right")
    piece -= 1
    np.maximum(piece, 0, out=piece)
    np.minimum(piece, _INVERSE_LAST, out=piece)
    t = s - _INVERSE_MID[piece]
    t *= _INVERSE_SCALE[piece]
    u = _horner(_INVERSE_T, INVERSE_DEGREE, piece, t)
    (far,) = (~(s < INVERSE_BREAKS[-1])).nonzero()
    if len(far):
        u[far] = _newton_far_tail(s[far], log_p[far])
    return u


def _newton_far_tail(s: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    u = s - np.log(s * _SQRT_2PI) / s  # asymptotic start
    u[np.isinf(s)] = np.inf
    (active,) = np.isfinite(u).nonzero()
    for _ in range(50):
        if active.size == 0:
            break
        ua = u[active]
        tail = scaled_tail(ua)
        # d/du log Phi(-u) = -1 / (sqrt(2 pi) T(u)).
        step = (-0.5 * ua * ua + np.log(tail) - log_p[active]) * _SQRT_2PI * tail
        u[active] = ua + step
        active = active[np.abs(step) > 1e-15 * ua]
    return u


def ndtri_exp(log_p: np.ndarray) -> np.ndarray:
    """The ``x`` with ``log Phi(x) == log_p`` for ``log_p <= 0``."""
    log_p = np.asarray(log_p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return _ndtri_exp(log_p.ravel()).reshape(log_p.shape)


def _ndtri_exp(log_p: np.ndarray) -> np.ndarray:
    upper = log_p > _LOG_HALF
    log_q = log_p.copy()
    if np.count_nonzero(upper):
        # Above the median, invert the complement 1 - p, which expm1 gives exactly.
        log_q[upper] = np.log(-np.expm1(np.minimum(log_p[upper], 0.0)))
    s = log_q * -2.0
    u = _inverse_tail(np.sqrt(s, out=s), log_q)
    np.negative(u, out=u, where=~upper)
    return u


def sample_truncnorm(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Standard normal truncated to ``[a, b]`` by the inverse CDF at uniforms ``u``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _sample_truncnorm(a, b, u)


def _sample_truncnorm(a: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    # Reflect intervals right of zero to the left, where the CDF has its precision.
    flip = a > 0
    n = a.size
    ends = np.empty(2 * n)
    lo, hi = ends[:n].reshape(a.shape), ends[n:].reshape(a.shape)
    np.copyto(lo, a)
    np.copyto(hi, b)
    np.negative(b, out=lo, where=flip)
    np.negative(a, out=hi, where=flip)
    log_cdf = _log_ndtr(ends)
    log_lo = log_cdf[:n].reshape(a.shape)
    log_hi = log_cdf[n:].reshape(a.shape)
    log_lo += np.log1p(-u)
    log_hi += np.log(u)
    log_p = np.logaddexp(log_lo, log_hi, out=log_lo)
    np.minimum(log_p, 0.0, out=log_p)
    z = _ndtri_exp(log_p.ravel()).reshape(a.shape)
    np.negative(z, out=z, where=flip)
    np.maximum(z, a, out=z)
    return np.minimum(z, b, out=z)
