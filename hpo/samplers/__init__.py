"""Samplers choose parameter values. See :class:`BaseSampler` for the protocol.

Samplers are imported on first access (``hpo.samplers.TPESampler``) so that ``import hpo``
does not pay for numpy, scipy or cmaes until a sampler is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from hpo.samplers._base import BaseSampler

_LAZY = {
    "BaseGASampler": "hpo.samplers._ga",
    "BruteForceSampler": "hpo.samplers._brute_force",
    "CmaEsSampler": "hpo.samplers._cmaes",
    "GPSampler": "hpo.samplers._gp",
    "GridSampler": "hpo.samplers._grid",
    "NSGAIISampler": "hpo.samplers.nsgaii._sampler",
    "PartialFixedSampler": "hpo.samplers._partial_fixed",
    "QMCSampler": "hpo.samplers._qmc",
    "RandomSampler": "hpo.samplers._random",
    "TPESampler": "hpo.samplers._tpe",
    "nsgaii": "hpo.samplers.nsgaii",
}

__all__ = ["BaseSampler", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hpo.samplers' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
