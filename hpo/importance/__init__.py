"""Hyperparameter importance: which parameters explain the objective values of a study."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from hpo.exceptions import ExperimentalWarning
from hpo.importance._base import BaseImportanceEvaluator
from hpo.importance._fanova import FanovaImportanceEvaluator
from hpo.importance._mean_decrease_impurity import MeanDecreaseImpurityImportanceEvaluator
from hpo.importance._ped_anova import PedAnovaImportanceEvaluator

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

__all__ = [
    "BaseImportanceEvaluator",
    "FanovaImportanceEvaluator",
    "MeanDecreaseImpurityImportanceEvaluator",
    "PedAnovaImportanceEvaluator",
    "get_param_importances",
]


def get_param_importances(
    study: Study,
    *,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
    normalize: bool = True,
) -> dict[str, float]:
    """Assess how important each parameter is, from the study's completed trials.

    The default evaluator is :class:`PedAnovaImportanceEvaluator`, which assesses every
    parameter seen in a completed trial, conditional ones included. The forest-based
    evaluators (:class:`FanovaImportanceEvaluator`,
    :class:`MeanDecreaseImpurityImportanceEvaluator`) assess, with ``params=None``, only the
    parameters present in every completed trial.

    Args:
        study: An optimized study.
        evaluator: The importance algorithm; defaults to :class:`PedAnovaImportanceEvaluator`.
        params: Names of the parameters to assess; an empty list gives an empty result.
        target: Maps a trial to the value to explain. ``None`` uses the objective value; for
            multi-objective studies only :class:`PedAnovaImportanceEvaluator` accepts ``None``,
            the others need e.g. ``target=lambda t: t.values[0]``.
        normalize: Scale the importances to sum to 1 (experimental when ``False``).

    Returns:
        Parameter name -> non-negative importance, most important first.

    Raises:
        TypeError: ``evaluator`` is not a :class:`BaseImportanceEvaluator`, or ``params`` is
            not a list of names.
        ValueError: A name in ``params`` is missing from the completed trials, the search space
            of ``params`` changes between trials (forest evaluators), or ``target`` is missing
            for a multi-objective study (forest evaluators).

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_int("x", 0, 2)
        ...     y = trial.suggest_float("y", -1.0, 1.0)
        ...     return x**2 + 0.01 * y
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=42))
        >>> study.optimize(objective, n_trials=100)
        >>> importances = hpo.importance.get_param_importances(study)
        >>> next(iter(importances))
        'x'
    """
    if evaluator is None:
        evaluator = PedAnovaImportanceEvaluator()
    if not isinstance(evaluator, BaseImportanceEvaluator):
        raise TypeError("Evaluator must be a subclass of BaseImportanceEvaluator.")
    result = evaluator.evaluate(study, params=params, target=target)
    if not normalize:
        warnings.warn(
            "Argument ``normalize`` is an experimental feature. "
            "The interface can change in the future.",
            ExperimentalWarning,
            stacklevel=2,
        )
        return result
    total = sum(result.values())
    if total == 0.0:
        return {name: 1.0 / len(result) for name in result}
    return {name: value / total for name, value in result.items()}
