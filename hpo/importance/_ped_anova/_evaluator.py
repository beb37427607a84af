"""PED-ANOVA importances: how differently the good trials are spread from the others."""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.importance._base import (
    BaseImportanceEvaluator,
    check_params_argument,
    completed_trials,
    sort_by_importance,
)
from hpo.importance._ped_anova._grid_parzen import grid_counts, grid_pdf
from hpo.samplers._tpe._split import select_multi_objective
from hpo.study._multi_objective import loss_matrix
from hpo.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_N_STEPS = 50  # grid points per numeric domain
_PRIOR_WEIGHT = 1.0
_MIN_TRIALS_PER_REGIME = 2


class PedAnovaImportanceEvaluator(BaseImportanceEvaluator):
    """PED-ANOVA importance evaluator (the default of :func:`get_param_importances`).

    Compares, parameter by parameter, the distribution of the trials better than
    ``target_quantile`` with the distribution of the trials better than ``region_quantile``
    (Watanabe et al., "PED-ANOVA: Efficiently Quantifying Hyperparameter Importance in
    Arbitrary Subspaces", IJCAI 2023). Both distributions are one-dimensional Parzen estimators
    on a grid; the importance is their Pearson divergence. A parameter that matters is
    concentrated in the good trials; one that does not is spread like all trials.

    Conditional parameters are handled per regime (a distinct distribution of the parameter, or
    its absence), each regime weighted by its share of the trials, as in Conditional PED-ANOVA.

    Lower ``target`` values are taken as better when ``target`` is given; negate it for a
    maximised quantity. Without ``target``, a single-objective study uses its direction and a
    multi-objective study ranks trials by non-domination rank, breaking ties by hypervolume
    contribution, so importances describe how to reach the Pareto front.

    Include at least about five trials in the ``target_quantile`` for a stable result.

    Args:
        target_quantile: The good trials are the top ``target_quantile`` fraction.
        region_quantile: The trials compared against are the top ``region_quantile``
            fraction; ``1.0`` means all trials.
        evaluate_on_local: Compare against the trials in the region (``True``) or against a
            uniform distribution over the search space (``False``).

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x1 = trial.suggest_float("x1", -10, 10)
        ...     x2 = trial.suggest_float("x2", -10, 10)
        ...     return x1**2 + x2 / 1000
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=100)
        >>> evaluator = hpo.importance.PedAnovaImportanceEvaluator()
        >>> list(hpo.importance.get_param_importances(study, evaluator=evaluator))
        ['x1', 'x2']
    """

    def __init__(
        self,
        *,
        target_quantile: float = 0.1,
        region_quantile: float = 1.0,
        evaluate_on_local: bool = True,
    ) -> None:
        if not 0.0 < target_quantile < region_quantile <= 1.0:
            raise ValueError(
                "condition 0.0 < `target_quantile` < `region_quantile` <= 1.0 must be satisfied"
            )
        if region_quantile != 1.0 and not evaluate_on_local:
            warnings.warn(
                "If `evaluate_on_local` is False, `region_quantile` has no effect.", stacklevel=2
            )
        self._target_quantile = target_quantile
        self._region_quantile = region_quantile
        self._evaluate_on_local = evaluate_on_local

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        names = _resolve_params(study, params)
        trials = [t for t in completed_trials(study) if _finite(t, target)]
        if len(trials) <= 1:
            warnings.warn(
                "The number of trials is too small to compute importances. "
                "Parameter importances will be equal.",
                stacklevel=2,
            )
            return {n: 0.0 for n in names}

        if target is not None:
            warnings.warn(
                f"{type(self).__name__} computes the importances of params to achieve low "
                "`target` values. If this is not what you want, please modify target, e.g., by "
                "multiplying the output by -1.",
                stacklevel=2,
            )
        good = _top_trials(study, trials, self._target_quantile, target)
        region = _top_trials(study, trials, self._region_quantile, target)
        if len(good) == len(region):
            warnings.warn(
                "Target and region quantiles select the same set of trials. "
                "Parameter importances will be equal.",
                stacklevel=2,
            )
        if not good:
            return {n: 0.0 for n in names}
        good_ids = {t._trial_id for t in good}
        ratio = len(good) / len(region)

        importances = {}
        for name in names:
            total = 0.0
            for dist, regime in _regimes(name, region).items():
                regime_good = [t for t in regime if t._trial_id in good_ids]
                if dist is None or dist.single() or not regime_good:
                    continue
                alpha = len(regime_good) / len(good)
                beta = len(regime) / len(region)
                total += alpha**2 / beta * self._divergence(name, dist, regime_good, regime)
            importances[name] = total * ratio**2
        return sort_by_importance(importances)

    def _divergence(
        self,
        name: str,
        dist: BaseDistribution,
        good: Sequence[FrozenTrial],
        region: Sequence[FrozenTrial],
    ) -> float:
        """Pearson divergence of the good trials' density from the region's (or uniform)."""
        categorical = isinstance(dist, CategoricalDistribution)
        p_good = grid_pdf(grid_counts(name, dist, good, _N_STEPS), categorical, _PRIOR_WEIGHT)
        p_good = p_good + 1e-12
        if self._evaluate_on_local:
            counts = grid_counts(name, dist, region, _N_STEPS)
            p_ref = grid_pdf(counts, categorical, _PRIOR_WEIGHT) + 1e-12
        else:
            p_ref = np.full(p_good.size, 1.0 / p_good.size)
        return float(p_ref @ (p_good / p_ref - 1.0) ** 2)


def _finite(trial: FrozenTrial, target: Callable[[FrozenTrial], float] | None) -> bool:
    if target is not None:
        return math.isfinite(target(trial))
    return all(math.isfinite(v) for v in trial.values)  # type: ignore[union-attr]


def _resolve_params(study: Study, params: list[str] | None) -> list[str]:
    check_params_argument(params)
    present = sorted({name for t in completed_trials(study) for name in t.distributions})
    if params is None:
        return present
    missing = [p for p in params if p not in present]
    if missing:
        raise ValueError(
            "Study must contain at least one completed trial for each specified parameter. "
            f"Missing parameters: {missing}."
        )
    return list(params)


def _top_trials(
    study: Study,
    trials: list[FrozenTrial],
    quantile: float,
    target: Callable[[FrozenTrial], float] | None,
) -> list[FrozenTrial]:
    if quantile == 1.0:
        return trials
    if target is None and study._is_multi_objective():
        n_good = math.ceil(quantile * len(trials))
        chosen = select_multi_objective(loss_matrix(trials, study.directions), n_good)
        return [trials[i] for i in chosen]
    if target is not None:
        losses = np.array([target(t) for t in trials], dtype=float)
    else:
        sign = -1.0 if study.directions[0] == StudyDirection.MAXIMIZE else 1.0
        losses = sign * np.array([t.value for t in trials], dtype=float)
    # Keep every trial at least as good as the ceil(quantile * n)-th best (ties included).
    k = math.ceil(quantile * losses.size) - 1
    cutoff = np.partition(losses, k)[k]
    return [t for t, loss in zip(trials, losses) if loss <= cutoff]


def _regimes(
    name: str, trials: list[FrozenTrial]
) -> dict[BaseDistribution | None, list[FrozenTrial]]:
    """Trials grouped by the distribution ``name`` had in them (``None``: absent)."""
    groups: dict[BaseDistribution | None, list[FrozenTrial]] = defaultdict(list)
    for trial in trials:
        groups[trial.distributions.get(name)].append(trial)
    if any(len(g) < _MIN_TRIALS_PER_REGIME for g in groups.values()):
        warnings.warn(
            f"Some regimes for parameter `{name}` have less than {_MIN_TRIALS_PER_REGIME} "
            "trials. The importance of the parameter may be inaccurate.",
            stacklevel=3,
        )
    return {d: g for d, g in groups.items() if len(g) >= _MIN_TRIALS_PER_REGIME}
