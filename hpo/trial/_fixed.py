from __future__ import annotations

import datetime
import warnings
from typing import Any

from hpo import _constraints
from hpo.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
)
from hpo.trial._base import BaseTrial
from hpo.trial._replay import _SuggestKnownValues


class FixedTrial(_SuggestKnownValues, BaseTrial):
    """A trial whose parameters are given up front: run an objective on known values.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -10, 10) ** 2
        >>> objective(hpo.trial.FixedTrial({"x": 3.0}))
        9.0

    Raises:
        ValueError: From ``suggest_*`` when the fixed value is missing.
    """

    def __init__(self, params: dict[str, Any], number: int = 0) -> None:
        self._params = params
        self._suggested_params: dict[str, Any] = {}
        self._distributions: dict[str, BaseDistribution] = {}
        self._user_attrs: dict[str, Any] = {}
        self._system_attrs: dict[str, Any] = {}
        self._datetime_start = datetime.datetime.now()
        self._number = number

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The value of the parameter {name!r} is not found. Give it in the `params` "
                f"of FixedTrial; it has {sorted(self._params)}."
            )
        value = self._params[name]
        internal = distribution.to_internal_repr(value)
        if not distribution._contains(internal):
            warnings.warn(
                f"The value {value!r} of the parameter {name!r} is out of the range of the "
                f"distribution {distribution}.",
                stacklevel=3,
            )
        if name in self._distributions:
            check_distribution_compatibility(self._distributions[name], distribution)
        self._suggested_params[name] = value
        self._distributions[name] = distribution
        return value

    def report(self, value: float, step: int) -> None:
        """Does nothing."""

    def should_prune(self) -> bool:
        """Always ``False``."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        value = _constraints.check_constraint_value(key, value)
        self._system_attrs.setdefault(_constraints.constraint_attr_key(key), value)

    @property
    def params(self) -> dict[str, Any]:
        return self._suggested_params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @property
    def constraints(self) -> dict[str, float]:
        return _constraints.constraints_from_system_attrs(self._system_attrs)

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @property
    def number(self) -> int:
        return self._number
