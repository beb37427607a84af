"""Integrations with third-party libraries; each is imported on first access.

``hpo.integration.SkoptSampler`` wraps scikit-optimize (``pip install 'hpo[skopt]'``);
``hpo.integration.OptunaSearchCV`` is a scikit-learn search estimator
(``pip install 'hpo[sklearn]'``).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "OptunaSearchCV": "hpo.integration._sklearn",
    "SkoptSampler": "hpo.integration._skopt",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hpo.integration' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
