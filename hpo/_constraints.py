"""Where constraint values live: trial system attributes, in Optuna's layout."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial

CONSTRAINTS_KEY = "constraints"
_PREFIX = CONSTRAINTS_KEY + ":"


def constraint_attr_key(key: str) -> str:
    return _PREFIX + key


def check_constraint_value(key: str, value: Any) -> float:
    if not isinstance(key, str):
        raise TypeError(f"A constraint key must be a str, but got {key!r}.")
    try:
        result = float(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Constraint {key!r} must be a number, but got {value!r}.") from e
    if math.isnan(result):
        raise ValueError(f"Constraint {key!r} is NaN; a constraint value must be a number.")
    return result


def constraints_from_system_attrs(system_attrs: Mapping[str, Any]) -> dict[str, float]:
    """Collect constraints: the list under ``constraints`` and every ``constraints:<key>``."""
    result: dict[str, float] = {}
    legacy = system_attrs.get(CONSTRAINTS_KEY)
    if legacy is not None:
        for i, c in enumerate(legacy):
            result[str(i)] = c
    for key, value in system_attrs.items():
        if key.startswith(_PREFIX):
            name = key[len(_PREFIX) :]
            if name in result:
                warnings.warn(
                    f"Constraint {name!r} is set twice; the keyed value wins.", stacklevel=2
                )
            result[name] = value
    return result


def is_feasible(trial: FrozenTrial) -> bool:
    return all(v <= 0.0 for v in trial.constraints.values())


def feasible_trials(trials: Iterable[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if is_feasible(t)]


def is_constrained(trials: Iterable[FrozenTrial]) -> bool:
    return any(len(t.constraints) > 0 for t in trials)
