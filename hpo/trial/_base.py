from __future__ import annotations

import abc
import datetime
from collections.abc import Sequence
from typing import Any

from hpo.distributions import BaseDistribution, CategoricalChoiceType


class BaseTrial(abc.ABC):
    """The interface an objective function sees: :class:`Trial`, :class:`FixedTrial` and
    :class:`FrozenTrial` all implement it."""

    @abc.abstractmethod
    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high)``."""

    @abc.abstractmethod
    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, log=True)``."""

    @abc.abstractmethod
    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, step=q)``."""

    @abc.abstractmethod
    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an integer in ``[low, high]``."""

    @abc.abstractmethod
    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices``."""

    @abc.abstractmethod
    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value at ``step``."""

    @abc.abstractmethod
    def should_prune(self) -> bool:
        """Return whether the pruner wants this trial stopped."""

    @abc.abstractmethod
    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute."""

    @abc.abstractmethod
    def set_constraint(self, key: str, value: float) -> None:
        """Set a constraint value; the trial is feasible when every value is ``<= 0``."""

    @property
    @abc.abstractmethod
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far."""

    @property
    @abc.abstractmethod
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far."""

    @property
    @abc.abstractmethod
    def user_attrs(self) -> dict[str, Any]:
        """User attributes."""

    @property
    @abc.abstractmethod
    def constraints(self) -> dict[str, float]:
        """Constraint values."""

    @property
    @abc.abstractmethod
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""

    @property
    @abc.abstractmethod
    def number(self) -> int:
        """The trial's number, unique and dense within its study."""
