"""The evaluator interface and the trial / search-space plumbing the evaluators share."""

from __future__ import annotations

import abc
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.search_space import intersection_search_space
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

Target = Callable[["FrozenTrial"], float]


class BaseImportanceEvaluator(abc.ABC):
    """Abstract parameter importance evaluator.

    Subclasses implement :meth:`evaluate`; users normally call
    :func:`hpo.importance.get_param_importances` instead of calling it directly.
    """

    @abc.abstractmethod
    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        """Assess parameter importances from the study's completed trials.

        Args:
            study: An optimized study.
            params: Names of the parameters to assess. ``None`` assesses the parameters
                present in every completed trial.
            target: Maps a trial to the value whose variation is explained. Required for
                multi-objective studies, e.g. ``target=lambda t: t.values[0]``.

        Returns:
            Parameter name -> non-negative importance, most important first.
        """
        raise NotImplementedError


def check_params_argument(params: Any) -> None:
    """Raise ``TypeError`` unless ``params`` is ``None`` or a list/tuple of strings."""
    if params is None:
        return
    if not isinstance(params, (list, tuple)):
        raise TypeError(f"Parameters must be specified as a list. Actual parameters: {params}.")
    if any(not isinstance(p, str) for p in params):
        raise TypeError(
            "Parameters must be specified by their names with strings. "
            f"Actual parameters: {params}."
        )


def require_target_for_multi_objective(study: Study, target: Target | None) -> None:
    if target is None and study._is_multi_objective():
        raise ValueError(
            "If the `study` is being used for multi-objective optimization, "
            "please specify the `target`. For example, use "
            "`target=lambda t: t.values[0]` for the first objective value."
        )


def completed_trials(study: Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def common_search_space(study: Study, params: list[str] | None) -> dict[str, BaseDistribution]:
    """The distributions of the assessed parameters, sorted by name.

    With ``params=None`` these are the parameters every completed trial has with the same
    distribution. With explicit ``params`` they come from the completed trials that have all of
    them, which must agree on each distribution.

    Raises:
        TypeError: ``params`` is not a list of names.
        ValueError: No completed trial has all of ``params``, or their distributions differ.
    """
    check_params_argument(params)
    trials = completed_trials(study)
    if params is None:
        return intersection_search_space(trials)
    wanted = list(params)
    space: dict[str, BaseDistribution] | None = None
    for trial in trials:
        dists = trial.distributions
        if not all(name in dists for name in wanted):
            continue
        if space is None:
            space = {name: dists[name] for name in wanted}
        elif any(dists[name] != dist for name, dist in space.items()):
            raise ValueError(
                "Parameters importances cannot be assessed with dynamic search spaces if "
                f"parameters are specified. Specified parameters: {params}."
            )
    if space is None:
        if not wanted:
            return {}
        raise ValueError(
            "Study must contain completed trials with all specified parameters. "
            f"Specified parameters: {params}."
        )
    return dict(sorted(space.items()))


def trial_value(trial: FrozenTrial, target: Target | None) -> float:
    return float(target(trial)) if target is not None else float(trial.value)  # type: ignore[arg-type]


def usable_trials(study: Study, params: Iterable[str], target: Target | None) -> list[FrozenTrial]:
    """Completed trials that have every one of ``params`` and a finite target value."""
    names = list(params)
    return [
        t
        for t in completed_trials(study)
        if all(name in t.params for name in names) and math.isfinite(trial_value(t, target))
    ]


def target_array(trials: Sequence[FrozenTrial], target: Target | None) -> np.ndarray:
    return np.array([trial_value(t, target) for t in trials], dtype=float)


def sort_by_importance(importances: Mapping[str, float]) -> dict[str, float]:
    """Most important first; ties keep their original order."""
    ordered = sorted(importances.items(), key=lambda item: -item[1])
    return {name: float(value) for name, value in ordered}


class ColumnEncoding:
    """Parameters as the columns of a random forest's input matrix.

    A numeric parameter is one column holding its value as suggested (not log-scaled), bounded
    by its ``[low, high]``. A categorical parameter with ``k`` choices becomes ``k`` one-hot
    columns bounded by ``[0, 1]``.

    Args:
        distributions: Parameter name -> distribution; column order follows it.
    """

    def __init__(self, distributions: Mapping[str, BaseDistribution]) -> None:
        self.names = list(distributions)
        self.distributions = [distributions[n] for n in self.names]
        bounds: list[tuple[float, float]] = []
        self.columns_of: list[np.ndarray] = []
        for dist in self.distributions:
            start = len(bounds)
            if isinstance(dist, CategoricalDistribution):
                bounds.extend([(0.0, 1.0)] * len(dist.choices))
            else:
                bounds.append((float(dist.low), float(dist.high)))  # type: ignore[attr-defined]
            self.columns_of.append(np.arange(start, len(bounds)))
        self.bounds = np.array(bounds, dtype=float).reshape(-1, 2)
        self.param_of_column = np.zeros(len(bounds), dtype=int)
        for i, cols in enumerate(self.columns_of):
            self.param_of_column[cols] = i

    def encode(self, trials: Sequence[FrozenTrial]) -> np.ndarray:
        """The ``(n_trials, n_columns)`` input matrix."""
        x = np.zeros((len(trials), len(self.bounds)), dtype=float)
        for row, trial in enumerate(trials):
            for name, dist, cols in zip(self.names, self.distributions, self.columns_of):
                value = trial.params[name]
                if isinstance(dist, CategoricalDistribution):
                    x[row, cols[int(dist.to_internal_repr(value))]] = 1.0
                else:
                    x[row, cols[0]] = float(value)
        return x
