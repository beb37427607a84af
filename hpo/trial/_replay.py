"""The ``suggest_*`` API of trials whose values are already known (FixedTrial, FrozenTrial)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hpo._deprecated import deprecated_func
from hpo.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)


class _SuggestKnownValues:
    """Build each ``suggest_*`` call's distribution and hand it to ``self._suggest``."""

    _suggest: Callable[[str, BaseDistribution], Any]  # the value for ``name``, checked

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        return float(self._suggest(name, FloatDistribution(low, high, log=log, step=step)))

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(name, low, high) instead.")
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high)

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(..., log=True) instead.")
    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        return self.suggest_float(name, low, high, log=True)

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(..., step=q) instead.")
    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        return self.suggest_float(name, low, high, step=q)

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        return int(self._suggest(name, IntDistribution(low, high, log=log, step=step)))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        return self._suggest(name, CategoricalDistribution(choices=choices))
