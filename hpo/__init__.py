"""hpo: define-by-run hyperparameter optimization, a drop-in for Optuna's public API.

Example:
    >>> import hpo
    >>> def objective(trial):
    ...     x = trial.suggest_float("x", -10, 10)
    ...     return (x - 2) ** 2
    >>> study = hpo.create_study()
    >>> study.optimize(objective, n_trials=10)

Heavy optional parts (visualization, importance, integration) load on first access, and no
backend library (SQLAlchemy, redis, scipy, …) is imported until a feature needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

from hpo import (
    distributions,
    exceptions,
    logging,
    pruners,
    samplers,
    search_space,
    storages,
    study,
    trial,
)
from hpo.exceptions import TrialPruned
from hpo.study import (
    Study,
    copy_study,
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from hpo.trial import Trial, create_trial
from hpo.version import __version__

_LAZY_MODULES = ("visualization", "importance", "integration", "artifacts", "cli", "terminator")

__all__ = [
    "Study",
    "Trial",
    "TrialPruned",
    "__version__",
    "copy_study",
    "create_study",
    "create_trial",
    "delete_study",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
    "logging",
    "pruners",
    "samplers",
    "search_space",
    "storages",
    "study",
    "trial",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        try:
            module = importlib.import_module(f"hpo.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"hpo.{name}":
                raise  # the module exists but one of its own imports is missing
            raise AttributeError(f"module 'hpo' has no attribute {name!r}") from e
        globals()[name] = module
        return module
    raise AttributeError(f"module 'hpo' has no attribute {name!r}")
