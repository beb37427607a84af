"""The CMA-ES search state as plain JSON.

A state is a small dict of numbers: the distribution (mean, step size, covariance), the evolution
paths, the short history ``should_stop`` needs, and the restart bookkeeping. Its size depends on
the dimension only, never on how many generations have passed. ``build_optimizer`` turns it back
into a ``cmaes`` optimizer: the constructor recomputes every constant from the dimension and the
population size, and the dynamic fields are then overwritten, so a restored optimizer continues
exactly like the original (floats survive JSON exactly).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

STATE_VERSION = 1
# A run counts as stalled (for restarts) once its spread is below this fraction of every
# parameter's range: ``cmaes``'s own default (1e-12 of the initial step size) takes hundreds of
# generations more to fire and refines nothing a hyperparameter search can use.
_TOLX_UNIT = 1e-8


_LR_FLOATS = ("_Vmean", "_VSigma", "_eta_mean", "_eta_Sigma")


def new_state(
    *,
    kind: str,
    names: list[str],
    mean: np.ndarray,
    sigma: float,
    cov: np.ndarray | None,
    popsize: int | None,
    sigma0: float,
    lr_adapt: bool,
    generation: int,
    restart: dict[str, Any] | None,
) -> dict[str, Any]:
    """State of a freshly initialised optimizer (generation ``generation`` of the study)."""
    dim = len(names)
    if popsize is None:
        popsize = 4 + int(np.floor(3 * np.log(dim)))
    state: dict[str, Any] = {
        "v": STATE_VERSION,
        "kind": kind,
        "names": list(names),
        "gen": generation,
        "popsize": int(popsize),
        "sigma0": float(sigma0),
        "lr_adapt": bool(lr_adapt),
        "g": 0,
        "mean": np.asarray(mean, dtype=float).tolist(),
        "sigma": float(sigma),
        "p_sigma": [0.0] * dim,
        "pc": [0.0] * dim,
        "funhist": None,
    }
    if kind == "sepcma":
        state["C"] = [1.0] * dim
    elif cov is None:
        state["C"] = _pack_sym(np.eye(dim))
    else:
        state["C"] = _pack_sym(np.asarray(cov, dtype=float))
    if restart is not None:
        state["restart"] = restart
    return state


def build_optimizer(
    state: dict[str, Any], steps: np.ndarray | None = None, reuse: Any = None
) -> Any:
    """Create the ``cmaes`` optimizer described by ``state``.

    ``reuse``, an optimizer built earlier for a state with the same static fields (kind,
    dimension, population size, initial step size), is updated in place instead: constructing
    a ``cmaes`` optimizer costs more than the rest of a generation's bookkeeping.
    """
    kind = state["kind"]
    dim = len(state["names"])
    if reuse is not None and getattr(reuse, "_hpo_static", None) == _static_key(state):
        opt = reuse
    else:
        opt = _construct(state, steps)
    core = opt._cma if kind == "cmawm" else opt
    if kind == "sepcma":
        core._C = np.asarray(state["C"], dtype=float)
    else:
        core._C = _unpack_sym(state["C"], dim)
    core._mean = np.asarray(state["mean"], dtype=float)
    core._sigma = float(state["sigma"])
    core._p_sigma = np.asarray(state["p_sigma"], dtype=float)
    core._pc = np.asarray(state["pc"], dtype=float)
    core._g = int(state["g"])
    core._B, core._D = None, None
    core._tolx = max(1e-12 * float(state["sigma0"]), _TOLX_UNIT)
    if state["funhist"] is None:
        core._funhist_values = np.zeros_like(core._funhist_values)
    else:
        core._funhist_values = np.asarray(state["funhist"], dtype=float)
    lr = state.get("lr")
    if lr is not None:
        core._Emean = np.asarray(lr["Emean"], dtype=float).reshape(dim, 1)
        core._ESigma = np.asarray(lr["ESigma"], dtype=float).reshape(dim * dim, 1)
        for name in _LR_FLOATS:
            setattr(core, name, float(lr[name]))
    wm = state.get("wm")
    if wm is not None:
        opt._A = np.asarray(wm["A"], dtype=float)
        opt.m_z_lim_low = np.asarray(wm["lo"], dtype=float)
        opt.m_z_lim_up = np.asarray(wm["up"], dtype=float)
    elif kind == "cmawm" and opt._n_zdim > 0:
        # No margin state yet (a fresh run): derive the limits from the real mean.
        opt._A = np.full(dim, 1.0)
        limits = opt._get_discrete_param_limits(core._mean[opt._discrete_idx])
        opt.m_z_lim_low, opt.m_z_lim_up = limits
    return opt


def _static_key(state: dict[str, Any]) -> tuple[Any, ...]:
    return (
        state["kind"],
        tuple(state["names"]),
        state["popsize"],
        state["sigma0"],
        state["lr_adapt"],
    )


def _construct(state: dict[str, Any], steps: np.ndarray | None) -> Any:
    import cmaes

    kind = state["kind"]
    dim = len(state["names"])
    common = dict(
        mean=np.full(dim, 0.5),
        sigma=state["sigma0"],
        bounds=np.tile(np.array([0.0, 1.0]), (dim, 1)),
        n_max_resampling=10 * dim,
        seed=0,
        population_size=state["popsize"],
    )
    if kind == "sepcma":
        opt = cmaes.SepCMA(**common)
    elif kind == "cmawm":
        assert steps is not None
        opt = cmaes.CMAwM(steps=steps, **common)
    else:
        opt = cmaes.CMA(lr_adapt=state["lr_adapt"], **common)
    opt._hpo_static = _static_key(state)
    return opt


def dump_optimizer(opt: Any, base: dict[str, Any], generation: int) -> dict[str, Any]:
    """The state of ``opt`` after a ``tell``; static fields are copied from ``base``."""
    core = getattr(opt, "_cma", opt)
    state = {key: base[key] for key in ("v", "kind", "names", "popsize", "sigma0", "lr_adapt")}
    state["gen"] = generation
    state["g"] = int(core._g)
    state["mean"] = core._mean.tolist()
    state["sigma"] = float(core._sigma)
    if base["kind"] == "sepcma":
        state["C"] = core._C.tolist()
    else:
        state["C"] = _pack_sym(core._C)
    state["p_sigma"] = core._p_sigma.tolist()
    state["pc"] = core._pc.tolist()
    state["funhist"] = core._funhist_values.tolist()
    if base["lr_adapt"] and base["kind"] == "cma":
        lr: dict[str, Any] = {
            "Emean": core._Emean.ravel().tolist(),
            "ESigma": core._ESigma.ravel().tolist(),
        }
        for name in _LR_FLOATS:
            lr[name] = float(getattr(core, name))
        state["lr"] = lr
    if base["kind"] == "cmawm" and getattr(opt, "_n_zdim", 0) > 0:
        state["wm"] = {
            "A": opt._A.tolist(),
            "lo": np.asarray(opt.m_z_lim_low).tolist(),
            "up": np.asarray(opt.m_z_lim_up).tolist(),
        }
    if "restart" in base:
        state["restart"] = dict(base["restart"])
    return state


@functools.lru_cache(maxsize=32)
def _triu(dim: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(dim)


def _pack_sym(matrix: np.ndarray) -> list[float]:
    rows, cols = _triu(matrix.shape[0])
    return matrix[rows, cols].tolist()


def _unpack_sym(packed: list[float], dim: int) -> np.ndarray:
    rows, cols = _triu(dim)
    out = np.empty((dim, dim))
    values = np.asarray(packed, dtype=float)
    out[rows, cols] = values
    out[cols, rows] = values
    return out
