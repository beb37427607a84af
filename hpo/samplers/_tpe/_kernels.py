"""Building blocks of the Parzen estimators: parameter specs, bandwidths, kernel groups.

Also the caches shared by every estimator on one search space (``layout``): constant arrays,
and for stepped parameters with a small grid the log mass of every grid cell under each
kernel seen so far (kernels repeat from one suggestion to the next), plus per-thread scratch
buffers for the large (candidates, kernels) arrays of ``log_pdf``.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from hpo.samplers._tpe._gauss import _log_gauss_mass

_EPS = 1e-12
_MAX_GRID_CELLS = 256  # stepped parameters with more cells compute masses directly
_MAX_GRID_ROWS = 4096  # kernels remembered per grid


@dataclass(frozen=True)
class ParamSpec:
    """How one parameter is modelled: bounds are in the transformed (log if ``log``) space."""

    kind: str  # "float" (continuous), "step" (stepped float or int) or "cat"
    log: bool
    low: float  # internal-representation bounds
    high: float
    step: float
    lo: float  # transformed bounds of the support, widened by step / 2 for stepped params
    hi: float
    n_choices: int


def param_spec(distribution: BaseDistribution) -> ParamSpec:
    """Describe ``distribution`` for the estimator."""
    if isinstance(distribution, CategoricalDistribution):
        n = len(distribution.choices)
        return ParamSpec("cat", False, 0.0, n - 1.0, 1.0, 0.0, n - 1.0, n)
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    low, high = float(distribution.low), float(distribution.high)
    step = distribution.step
    if step is None:
        kind, half = "float", 0.0
        step_f = 0.0
    else:
        kind, half = "step", float(step) / 2
        step_f = float(step)
    lo, hi = low - half, high + half
    if distribution.log:
        lo, hi = math.log(lo), math.log(hi)
    return ParamSpec(kind, bool(distribution.log), low, high, step_f, lo, hi, 0)


def sorted_bandwidths(
    mus: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    consider_endpoints: bool,
    magic_clip: bool,
    out: np.ndarray,
) -> list[np.ndarray]:
    """Write kernel widths from neighbour gaps to ``out``; return each column's sort order."""
    n, d = mus.shape
    width = hi - lo
    min_sigma = width / min(100.0, n + 2.0) if magic_clip else np.full_like(width, _EPS)
    orders = []
    padded = np.empty(n + 2)
    sorted_sigmas = np.empty(n)
    for j in range(d):  # one column at a time: 1-D indexing is much faster than 2-D
        column = mus[:, j]
        order = column.argsort()
        orders.append(order)
        padded[0], padded[-1] = lo[j], hi[j]
        column.take(order, out=padded[1:-1])
        gaps = padded[1:] - padded[:-1]
        left, right = gaps[:-1], gaps[1:]
        np.maximum(left, right, out=sorted_sigmas)
        if not consider_endpoints and n >= 2:
            sorted_sigmas[0] = right[0]
            sorted_sigmas[-1] = left[-1]
        np.maximum(sorted_sigmas, min_sigma[j], out=sorted_sigmas)
        np.minimum(sorted_sigmas, width[j], out=sorted_sigmas)
        out[order, j] = sorted_sigmas
    return orders


def bandwidths(
    mus: np.ndarray, lo: np.ndarray, hi: np.ndarray, consider_endpoints: bool, magic_clip: bool
) -> np.ndarray:
    """Kernel widths from neighbour gaps: ``mus`` is ``(n, d)``, one column per parameter."""
    mus = np.asarray(mus, dtype=float)
    squeeze = mus.ndim == 1
    if squeeze:
        mus = mus[:, np.newaxis]
    lo = np.atleast_1d(np.asarray(lo, dtype=float))
    hi = np.atleast_1d(np.asarray(hi, dtype=float))
    sigmas = np.empty_like(mus)
    sorted_bandwidths(mus, lo, hi, consider_endpoints, magic_clip, sigmas)
    return sigmas[:, 0] if squeeze else sigmas


def kernel_groups(
    mus: np.ndarray, sigmas: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Group the kernels of one stepped column by equal ``(mu, sigma)``, plus the prior kernel.

    Stepped values repeat a lot, and their kernels with them; masses are computed once per
    group. ``order`` sorts ``mus``; equal pairs need not all share a group (a few duplicate
    groups only cost a little). Returns the group of each kernel, the prior kernel (index
    ``len(mus)``) last in a group of its own, and one member of each group.
    """
    n = len(order)
    mu_s, sigma_s = mus[order], sigmas[order]
    new = np.empty(n + 1, dtype=bool)
    new[0] = new[n] = True
    np.not_equal(mu_s[1:], mu_s[:-1], out=new[1:n])
    new[1:n] |= sigma_s[1:] != sigma_s[:-1]
    group_sorted = new.cumsum()
    group_sorted -= 1
    groups = np.empty(n + 1, dtype=np.intp)
    groups[order] = group_sorted[:n]
    groups[n] = group_sorted[n]
    members = np.empty(n + 1, dtype=np.intp)
    members[:n] = order
    members[n] = n
    return groups, members[new]


def unique_small(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(x, return_inverse=True)`` for a small 1-D array, without its overhead."""
    order = x.argsort(kind="stable")
    xs = x[order]
    new = np.empty(len(x), dtype=bool)
    new[:1] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    inverse = np.empty(len(x), dtype=np.intp)
    inverse[order] = new.cumsum() - 1
    return xs[new], inverse


class Layout:
    """Per-search-space constants and caches, shared by every estimator on that space."""

    def __init__(self, specs: tuple[ParamSpec, ...]) -> None:
        self.cat = [j for j, sp in enumerate(specs) if sp.kind == "cat"]
        self.num = [j for j, sp in enumerate(specs) if sp.kind != "cat"]
        num_specs = [specs[j] for j in self.num]
        self.lo = np.array([sp.lo for sp in num_specs])
        self.hi = np.array([sp.hi for sp in num_specs])
        self.low = np.array([sp.low for sp in num_specs])
        self.high = np.array([sp.high for sp in num_specs])
        self.step = np.array([sp.step for sp in num_specs])
        self.is_log = np.array([sp.log for sp in num_specs], dtype=bool)
        self.any_log = bool(self.is_log.any())
        self.is_step = np.array([sp.kind == "step" for sp in num_specs], dtype=bool)
        self.any_step = bool(self.is_step.any())
        self.cont = [k for k, sp in enumerate(num_specs) if sp.kind != "step"]
        self.stepped = [k for k, sp in enumerate(num_specs) if sp.kind == "step"]
        self.prior_mu = 0.5 * (self.lo + self.hi)
        self.prior_sigma = self.hi - self.lo
        self.grids: dict[int, StepGrid] = {}  # stepped columns with small grids
        for k in self.stepped:
            sp = num_specs[k]
            if (sp.high - sp.low) / sp.step < _MAX_GRID_CELLS:
                self.grids[k] = StepGrid(sp)


_LAYOUTS: dict[tuple[ParamSpec, ...], Layout] = {}
_SCRATCH = threading.local()


def scratch(slot: int, shape: tuple[int, int]) -> np.ndarray:
    """A reusable per-thread work array of ``shape`` (contents undefined)."""
    buffers: list[np.ndarray] | None = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = [np.empty(0) for _ in range(3)]
    size = shape[0] * shape[1]
    if buffers[slot].size < size:
        buffers[slot] = np.empty(max(size, 2 * buffers[slot].size))
    return buffers[slot][:size].reshape(shape)


def layout(specs: tuple[ParamSpec, ...]) -> Layout:
    """The shared :class:`Layout` of ``specs``."""
    found = _LAYOUTS.get(specs)
    if found is None:
        if len(_LAYOUTS) >= 64:
            _LAYOUTS.clear()
        found = _LAYOUTS[specs] = Layout(specs)
    return found


class StepGrid:
    """Log masses of the grid cells of one stepped parameter under kernels, remembered.

    Row ``(mu, sigma)`` holds ``log P(cell) - log P(support)`` for every cell of the grid
    ``low, low + step, ..., high``, in the order of the grid.
    """

    def __init__(self, spec: ParamSpec) -> None:
        n_cells = int(round((spec.high - spec.low) / spec.step)) + 1
        self.low, self.step = spec.low, spec.step
        self.centers = spec.low + spec.step * np.arange(n_cells)
        half = spec.step / 2
        left = np.append(self.centers - half, np.nan)
        right = np.append(self.centers + half, np.nan)
        if spec.log:
            left, right = np.log(left), np.log(right)
        left[-1], right[-1] = spec.lo, spec.hi  # the whole support, to normalise
        self._left, self._right = left, right
        self._index: dict[tuple[float, float], int] = {}  # kernel -> row of _store
        self._store = np.empty((64, n_cells))
        self._lock = threading.Lock()

    def cells(self, x: np.ndarray) -> np.ndarray | None:
        """Grid positions of ``x``, or ``None`` if a value is not exactly a grid value."""
        cells = np.rint((x - self.low) / self.step).astype(np.intp)
        if cells.min() < 0 or cells.max() >= len(self.centers):
            return None
        if not np.array_equal(self.centers[cells], x):
            return None
        return cells

    def table(self, mus: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
        """``(len(mus), n_cells)`` rows for the kernels ``(mus[i], sigmas[i])``."""
        keys = list(zip(mus.tolist(), sigmas.tolist()))
        with self._lock:
            index = self._index
            rows = [index.get(key, -1) for key in keys]
            missing = [i for i, row in enumerate(rows) if row < 0]
            if missing:
                if len(index) + len(missing) > _MAX_GRID_ROWS:
                    index.clear()
                    missing = list(range(len(keys)))
                self._compute([keys[i] for i in missing], mus[missing], sigmas[missing])
                rows = [index[key] for key in keys]
            return self._store[rows]

    def _compute(
        self, keys: list[tuple[float, float]], mus: np.ndarray, sigmas: np.ndarray
    ) -> None:
        a = (self._left - mus[:, np.newaxis]) / sigmas[:, np.newaxis]
        b = (self._right - mus[:, np.newaxis]) / sigmas[:, np.newaxis]
        with np.errstate(divide="ignore", invalid="ignore"):
            mass = _log_gauss_mass(a.ravel(), b.ravel()).reshape(a.shape)
        start = len(self._index)
        if start + len(keys) > len(self._store):
            grown = np.empty((max(start + len(keys), 2 * len(self._store)), len(self.centers)))
            grown[:start] = self._store[:start]
            self._store = grown
        np.subtract(mass[:, :-1], mass[:, -1:], out=self._store[start : start + len(keys)])
        for i, key in enumerate(keys):
            self._index[key] = start + i
