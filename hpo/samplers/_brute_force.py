from __future__ import annotations

import decimal
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo._deprecated import experimental_class
from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from hpo.samplers._base import BaseSampler
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def _enumerate(distribution: BaseDistribution) -> list[float]:
    """All internal values of a finite distribution."""
    if isinstance(distribution, CategoricalDistribution):
        return [float(i) for i in range(len(distribution.choices))]
    if isinstance(distribution, IntDistribution):
        return [
            float(v) for v in range(distribution.low, distribution.high + 1, distribution.step)
        ]
    if isinstance(distribution, FloatDistribution):
        if distribution.step is None:
            raise ValueError(
                "BruteForceSampler needs finite search spaces: FloatDistribution without `step` "
                f"is infinite ({distribution}). Give suggest_float a `step`."
            )
        low = decimal.Decimal(str(distribution.low))
        step = decimal.Decimal(str(distribution.step))
        n = int((decimal.Decimal(str(distribution.high)) - low) // step)
        return [float(low + i * step) for i in range(n + 1)]
    raise ValueError(f"BruteForceSampler does not support {distribution}.")


class _Node:
    """A node of the define-by-run tree: which parameter comes next and its explored values."""

    __slots__ = ("param_name", "values", "children", "is_leaf")

    def __init__(self) -> None:
        self.param_name: str | None = None
        self.values: list[float] | None = None
        self.children: dict[float, _Node] = {}
        self.is_leaf = False

    def expand(self, name: str, distribution: BaseDistribution) -> None:
        if self.param_name is None:
            self.param_name = name
            self.values = _enumerate(distribution)
        elif self.param_name != name:
            raise ValueError(
                "BruteForceSampler needs a deterministic search space: after the same values, "
                f"the objective suggested {self.param_name!r} once and {name!r} another time."
            )

    def child(self, value: float) -> _Node:
        return self.children.setdefault(value, _Node())

    def exhausted(self) -> bool:
        if self.is_leaf:
            return True
        if self.values is None:
            return False
        return all(v in self.children and self.children[v].exhausted() for v in self.values)

    def unexhausted_values(self) -> list[float]:
        assert self.values is not None
        return [
            v for v in self.values if v not in self.children or not self.children[v].exhausted()
        ]


@experimental_class("3.1.0")
class BruteForceSampler(BaseSampler):
    """Tries every combination of a finite (possibly conditional) search space once, then stops.

    Args:
        seed: Seed for the order in which combinations are tried.
        avoid_premature_stop: Count running trials as unexplored when deciding to stop, so a
            study does not stop while a running trial may still open new branches.

    Raises:
        ValueError: A parameter has infinitely many values (a float without ``step``).
    """

    def __init__(self, seed: int | None = None, avoid_premature_stop: bool = False) -> None:
        self._rng = np.random.RandomState(seed)
        self._avoid_premature_stop = avoid_premature_stop

    def reseed_rng(self) -> None:
        self._rng.seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def _build_tree(self, trials: Sequence[FrozenTrial], include_running: bool) -> _Node:
        root = _Node()
        for t in trials:
            if t.state is TrialState.WAITING:
                continue
            if t.state is TrialState.RUNNING and not include_running:
                continue
            node = root
            for name, value in t.params.items():
                dist = t.distributions[name]
                node.expand(name, dist)
                node = node.child(dist.to_internal_repr(value))
            if t.state.is_finished() or include_running:
                node.is_leaf = True
        return root

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        others = [
            t
            for t in study._get_trials(deepcopy=False, use_cache=False)
            if t.number != trial.number
        ]
        root = self._build_tree(others, include_running=True)
        node = root
        for name, value in trial.params.items():
            node.expand(name, trial.distributions[name])
            node = node.child(trial.distributions[name].to_internal_repr(value))
        node.expand(param_name, param_distribution)
        candidates = node.unexhausted_values() or node.values
        assert candidates
        return param_distribution.to_external_repr(candidates[self._rng.randint(len(candidates))])

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        trials = [
            t
            for t in study._get_trials(deepcopy=False, use_cache=False)
            if t.number != trial.number
        ]
        root = self._build_tree(trials, include_running=not self._avoid_premature_stop)
        node = root
        for name, value in trial.params.items():
            node.expand(name, trial.distributions[name])
            node = node.child(trial.distributions[name].to_internal_repr(value))
        node.is_leaf = True
        if root.exhausted():
            study.stop()
