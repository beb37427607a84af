from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hpo._deprecated import experimental_class
from hpo.distributions import BaseDistribution
from hpo.samplers._base import BaseSampler
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_class("2.4.0")
class PartialFixedSampler(BaseSampler):
    """Fixes some parameters and lets ``base_sampler`` choose the rest.

    Args:
        fixed_params: Parameter name -> the value to use.
        base_sampler: The sampler for the other parameters.

    Example:
        >>> import hpo
        >>> sampler = hpo.samplers.PartialFixedSampler(
        ...     {"y": 0}, hpo.samplers.RandomSampler(seed=0))
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) + t.suggest_int("y", -1, 1), 3)
        >>> {t.params["y"] for t in study.trials}
        {0}
    """

    def __init__(self, fixed_params: dict[str, Any], base_sampler: BaseSampler) -> None:
        self._fixed_params = fixed_params
        self._base_sampler = base_sampler

    def reseed_rng(self) -> None:
        self._base_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._base_sampler.infer_relative_search_space(study, trial)
        return {n: d for n, d in space.items() if n not in self._fixed_params}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._base_sampler.sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if param_name not in self._fixed_params:
            return self._base_sampler.sample_independent(
                study, trial, param_name, param_distribution
            )
        value = self._fixed_params[param_name]
        if not param_distribution._contains(param_distribution.to_internal_repr(value)):
            warnings.warn(
                f"The fixed value {value!r} of {param_name!r} is outside {param_distribution}; "
                "it is used anyway.",
                stacklevel=2,
            )
        return value

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._base_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        self._base_sampler.after_trial(study, trial, state, values)
