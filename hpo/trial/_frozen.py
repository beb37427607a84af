from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Sequence
from typing import Any

from hpo import _constraints
from hpo.distributions import (
    BaseDistribution,
    _convert_old_distribution_to_new_distribution,
    check_distribution_compatibility,
)
from hpo.trial._base import BaseTrial
from hpo.trial._replay import _SuggestKnownValues
from hpo.trial._state import TrialState


class FrozenTrial(_SuggestKnownValues, BaseTrial):
    """A snapshot of a trial: its parameters, values, attributes and state.

    Storages return ``FrozenTrial`` objects; ``study.trials`` lists them. A ``FrozenTrial`` also acts
    as a trial: ``suggest_*`` return the stored values, so an objective can be re-evaluated on it.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
        >>> frozen = study.trials[0]
        >>> frozen.params["x"] == frozen.suggest_float("x", -1, 1)
        True
    """

    def __init__(
        self,
        number: int,
        state: TrialState,
        value: float | None,
        datetime_start: datetime.datetime | None,
        datetime_complete: datetime.datetime | None,
        params: dict[str, Any],
        distributions: dict[str, BaseDistribution],
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        intermediate_values: dict[int, float],
        trial_id: int,
        *,
        values: Sequence[float] | None = None,
    ) -> None:
        self._number = number
        self.state = state
        if value is not None and values is not None:
            raise ValueError("Specify only one of `value` and `values`.")
        if value is not None:
            self._values: list[float] | None = [value]
        elif values is not None:
            self._values = list(values)
        else:
            self._values = None
        self._datetime_start = datetime_start
        self.datetime_complete = datetime_complete
        self._params = params
        self._user_attrs = user_attrs
        self._system_attrs = system_attrs
        self.intermediate_values = intermediate_values
        self._distributions = distributions
        self._trial_id = trial_id

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number < other._number

    def __le__(self, other: Any) -> bool:
        if not isinstance(other, FrozenTrial):
            return NotImplemented
        return self._number <= other._number

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, field) for field in self.__dict__))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}(number={self._number}, state={self.state!r}, "
            f"values={self._values}, datetime_start={self._datetime_start!r}, "
            f"datetime_complete={self.datetime_complete!r}, params={self._params}, "
            f"user_attrs={self._user_attrs}, system_attrs={self._system_attrs}, "
            f"intermediate_values={self.intermediate_values}, "
            f"distributions={self._distributions}, trial_id={self._trial_id}, value=None)"
        )

    def __copy__(self) -> FrozenTrial:
        return self._copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenTrial:
        return self._copy()

    def _copy(self) -> FrozenTrial:
        """Copy the containers a caller could mutate; the values inside are immutable JSON data
        or distributions, so one level is enough (and far cheaper than ``copy.deepcopy``)."""
        new = FrozenTrial.__new__(FrozenTrial)
        new.__dict__.update(self.__dict__)
        new._values = None if self._values is None else list(self._values)
        new._params = dict(self._params)
        new._distributions = dict(self._distributions)
        new._user_attrs = _copy_json_dict(self._user_attrs)
        new._system_attrs = _copy_json_dict(self._system_attrs)
        new.intermediate_values = dict(self.intermediate_values)
        return new

    def _validate(self) -> None:
        if self._datetime_start is None and self.state is not TrialState.WAITING:
            raise ValueError(
                f"`datetime_start` is required for a trial in state {self.state.name}."
            )
        if self.state.is_finished() and self.datetime_complete is None:
            raise ValueError("`datetime_complete` is required for a finished trial.")
        if self.state is TrialState.COMPLETE:
            if self._values is None:
                raise ValueError("A COMPLETE trial needs `value` or `values`.")
            if any(math.isnan(v) for v in self._values):
                raise ValueError(f"A COMPLETE trial cannot have NaN values, got {self._values}.")
        elif self.state is not TrialState.FAIL and self._values is not None:
            if any(math.isnan(v) for v in self._values):
                raise ValueError(f"Trial values must not be NaN, got {self._values}.")
        if set(self._params) != set(self._distributions):
            raise ValueError(
                f"Inconsistent parameters {set(self._params)} and distributions "
                f"{set(self._distributions)}: every parameter needs a distribution."
            )
        for name, value in self._params.items():
            dist = self._distributions[name]
            internal = dist.to_internal_repr(value)
            if not dist._contains(internal):
                raise ValueError(
                    f"The value {value!r} of parameter {name!r} is not in its distribution {dist}."
                )

    # --- suggest API: replays the stored parameters -------------------------------------------

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        if name not in self._params:
            raise ValueError(
                f"The parameter {name!r} is not in this trial; it has {sorted(self._params)}."
            )
        value = self._params[name]
        if not distribution._contains(distribution.to_internal_repr(value)):
            warnings.warn(
                f"The stored value {value!r} of {name!r} is outside the requested {distribution}.",
                stacklevel=3,
            )
        if name in self._distributions:
            check_distribution_compatibility(self._distributions[name], distribution)
        self._distributions[name] = distribution
        return value

    def report(self, value: float, step: int) -> None:
        """Does nothing: a frozen trial cannot be pruned."""

    def should_prune(self) -> bool:
        """Always ``False``: a frozen trial cannot be pruned."""
        return False

    def set_user_attr(self, key: str, value: Any) -> None:
        self._user_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        value = _constraints.check_constraint_value(key, value)
        attr_key = _constraints.constraint_attr_key(key)
        if attr_key in self._system_attrs:
            warnings.warn(
                f"Constraint {key!r} is already set; the new value {value} is ignored.",
                stacklevel=2,
            )
            return
        self._system_attrs[attr_key] = value

    # --- properties ---------------------------------------------------------------------------

    @property
    def number(self) -> int:
        return self._number

    @number.setter
    def number(self, value: int) -> None:
        self._number = value

    @property
    def value(self) -> float | None:
        """The objective value, or ``None``. Raises for a multi-objective trial."""
        if self._values is None:
            return None
        if len(self._values) > 1:
            raise RuntimeError(
                "This trial has several objective values; use `values` instead of `value`."
            )
        return self._values[0]

    @value.setter
    def value(self, v: float | None) -> None:
        if self._values is not None and len(self._values) > 1:
            raise ValueError("This trial has several objective values; set `values` instead.")
        self._values = None if v is None else [v]

    @property
    def values(self) -> list[float] | None:
        return self._values

    @values.setter
    def values(self, v: Sequence[float] | None) -> None:
        self._values = None if v is None else list(v)

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._datetime_start

    @datetime_start.setter
    def datetime_start(self, value: datetime.datetime | None) -> None:
        self._datetime_start = value

    @property
    def params(self) -> dict[str, Any]:
        return self._params

    @params.setter
    def params(self, params: dict[str, Any]) -> None:
        self._params = params

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return self._distributions

    @distributions.setter
    def distributions(self, value: dict[str, BaseDistribution]) -> None:
        self._distributions = value

    @property
    def user_attrs(self) -> dict[str, Any]:
        return self._user_attrs

    @user_attrs.setter
    def user_attrs(self, value: dict[str, Any]) -> None:
        self._user_attrs = value

    @property
    def system_attrs(self) -> dict[str, Any]:
        return self._system_attrs

    @system_attrs.setter
    def system_attrs(self, value: dict[str, Any]) -> None:
        self._system_attrs = value

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values; the trial is feasible when all are ``<= 0``."""
        return _constraints.constraints_from_system_attrs(self._system_attrs)

    @property
    def last_step(self) -> int | None:
        """The largest step reported with ``report``, or ``None``."""
        if not self.intermediate_values:
            return None
        return max(self.intermediate_values)

    @property
    def duration(self) -> datetime.timedelta | None:
        """``datetime_complete - datetime_start``, or ``None`` if either is missing."""
        if self._datetime_start and self.datetime_complete:
            return self.datetime_complete - self._datetime_start
        return None


def _copy_json_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_copy_json(v) if isinstance(v, (list, dict)) else v) for k, v in d.items()}


def _copy_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    return value


def create_trial(
    *,
    state: TrialState = TrialState.COMPLETE,
    value: float | None = None,
    values: Sequence[float] | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    user_attrs: dict[str, Any] | None = None,
    system_attrs: dict[str, Any] | None = None,
    intermediate_values: dict[int, float] | None = None,
    constraints: dict[str, float] | None = None,
) -> FrozenTrial:
    """Create a :class:`FrozenTrial`, e.g. to add past results with ``Study.add_trial``.

    Example:
        >>> import hpo
        >>> from hpo.distributions import FloatDistribution
        >>> study = hpo.create_study()
        >>> study.add_trial(hpo.trial.create_trial(
        ...     params={"x": 2.0}, distributions={"x": FloatDistribution(0, 10)}, value=4.0))
        >>> study.best_value
        4.0

    Raises:
        ValueError: The arguments do not describe a valid trial (e.g. a COMPLETE trial without a
            value, a parameter outside its distribution).
    """
    now = datetime.datetime.now()
    datetime_start = None if state is TrialState.WAITING else now
    datetime_complete = now if state.is_finished() else None
    trial = FrozenTrial(
        number=-1,
        state=state,
        value=value,
        values=values,
        datetime_start=datetime_start,
        datetime_complete=datetime_complete,
        params=params or {},
        distributions={
            name: _convert_old_distribution_to_new_distribution(dist)
            for name, dist in (distributions or {}).items()
        },
        user_attrs=user_attrs or {},
        system_attrs=system_attrs or {},
        intermediate_values=intermediate_values or {},
        trial_id=-1,
    )
    if constraints is not None:
        for key, c in constraints.items():
            trial.set_constraint(key, c)
    trial._validate()
    return trial


def _new_running_trial(number: int, trial_id: int, start: datetime.datetime) -> FrozenTrial:
    """A RUNNING trial with nothing set yet: what a storage holds right after creating one."""
    return FrozenTrial(
        number=number,
        state=TrialState.RUNNING,
        value=None,
        datetime_start=start,
        datetime_complete=None,
        params={},
        distributions={},
        user_attrs={},
        system_attrs={},
        intermediate_values={},
        trial_id=trial_id,
    )
