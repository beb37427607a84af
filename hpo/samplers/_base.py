"""The sampler protocol.

For each trial the study asks its sampler in two stages:

1. ``infer_relative_search_space(study, trial)`` names the parameters the sampler wants to sample
   *jointly*, and ``sample_relative(study, trial, search_space)`` samples them all at once (lazily,
   on the first ``suggest_*`` call of the trial).
2. Every parameter the objective suggests that is not in the relative result is sampled on its own
   by ``sample_independent(study, trial, name, distribution)``.

Samplers keep no trial history: they read it from ``study`` (``study._get_trials(deepcopy=False)``
or ``study.get_trials(deepcopy=False)``) every time, so several processes sharing a storage agree.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hpo import _constraints
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.study import Study
    from hpo.trial import FrozenTrial


class BaseSampler(abc.ABC):
    """Base class of samplers. Subclass it and implement the three abstract methods."""

    def __str__(self) -> str:
        return self.__class__.__name__

    @abc.abstractmethod
    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """Return the parameters to sample jointly for ``trial`` (empty: all independent)."""

    @abc.abstractmethod
    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """Sample the parameters of ``search_space`` jointly; return external values by name."""

    @abc.abstractmethod
    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Sample one parameter on its own; return its external value."""

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Called when a trial starts, before any sampling."""

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Called when a trial ends, before its state is stored."""

    def reseed_rng(self) -> None:
        """Reseed the random generator; ``optimize(n_jobs>1)`` calls it so workers differ."""

    def _raise_error_if_multi_objective(self, study: Study) -> None:
        if study._is_multi_objective():
            raise ValueError(
                f"{self.__class__.__name__} supports single-objective optimization only."
            )


def process_constraints_after_trial(
    constraints_func: Callable[[FrozenTrial], Sequence[float]],
    study: Study,
    trial: FrozenTrial,
    state: TrialState,
) -> None:
    """Evaluate ``constraints_func`` on a finished trial and store the result (Optuna's layout)."""
    if state not in (TrialState.COMPLETE, TrialState.PRUNED):
        return
    constraints = None
    try:
        con = constraints_func(trial)
        if any(math.isnan(float(c)) for c in con):
            raise ValueError(f"constraints_func returned NaN in {con}.")
        constraints = tuple(float(c) for c in con)
    finally:
        assert constraints is None or isinstance(constraints, tuple)
        study._storage.set_trial_system_attr(
            trial._trial_id, _constraints.CONSTRAINTS_KEY, constraints
        )
        # Keep the caller's snapshot in step: tell() returns it and callbacks receive it.
        trial.system_attrs[_constraints.CONSTRAINTS_KEY] = constraints
