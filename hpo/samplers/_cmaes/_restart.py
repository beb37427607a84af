"""IPOP and BIPOP restarts: a new CMA-ES run once the current one has stalled.

IPOP (Auger & Hansen, 2005) restarts from a uniformly drawn mean with the population multiplied
by ``inc_popsize`` each time. BIPOP (Hansen, 2009) interleaves those large-population runs with
short small-population runs started from a smaller step size, always giving the next run to the
regime that has spent fewer evaluations so far.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def initial_bookkeeping(popsize: int) -> dict[str, Any]:
    """Restart bookkeeping for the first run (which counts as a large-population run)."""
    return {
        "n": 0,
        "n_large": 0,
        "regime": "large",
        "default_popsize": popsize,
        "evals_large": 0,
        "evals_small": 0,
    }


def plan_restart(
    state: dict[str, Any],
    strategy: str,
    inc_popsize: int,
    sigma0: float,
    rng: np.random.RandomState,
) -> tuple[np.ndarray, float, int, dict[str, Any]]:
    """Mean, step size, population size and bookkeeping of the run that follows ``state``."""
    book = dict(state["restart"])
    spent = int(state["popsize"]) * int(state["g"])
    if book["regime"] == "large":
        book["evals_large"] += spent
    else:
        book["evals_small"] += spent
    book["n"] += 1
    dim = len(state["names"])
    mean = rng.uniform(0.0, 1.0, dim)
    default = int(book["default_popsize"])
    use_small = (
        strategy == "bipop" and book["n_large"] >= 1 and book["evals_small"] < book["evals_large"]
    )
    if use_small:
        large = default * inc_popsize ** book["n_large"]
        u_pop, u_sigma = rng.uniform(0.0, 1.0, 2)
        popsize = int(math.floor(default * (0.5 * large / default) ** (u_pop**2)))
        popsize = max(popsize, 3)
        sigma = sigma0 * 10.0 ** (-2.0 * u_sigma)
        book["regime"] = "small"
    else:
        book["n_large"] += 1
        popsize = default * inc_popsize ** book["n_large"]
        sigma = sigma0
        book["regime"] = "large"
    return mean, float(sigma), int(popsize), book
