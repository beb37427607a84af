"""The random forest the forest-based evaluators fit (scikit-learn, imported on first use)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hpo.importance._base import (
    BaseImportanceEvaluator,
    ColumnEncoding,
    common_search_space,
    require_target_for_multi_objective,
    sort_by_importance,
    target_array,
    usable_trials,
)

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def make_forest(n_trees: int, max_depth: int, seed: int | None) -> Any:
    """An unfitted ``sklearn.ensemble.RandomForestRegressor``.

    Raises:
        ImportError: scikit-learn is not installed.
    """
    try:
        from sklearn.ensemble import RandomForestRegressor
    except ImportError as e:
        raise ImportError(
            "This importance evaluator needs scikit-learn: `pip install scikit-learn`."
        ) from e
    return RandomForestRegressor(
        n_estimators=n_trees,
        max_depth=max_depth,
        min_samples_split=2,
        min_samples_leaf=1,
        random_state=seed,
    )


class ForestImportanceEvaluator(BaseImportanceEvaluator):
    """An evaluator that fits a random forest to the trials and reads importances off it.

    Subclasses choose the parameters the forest sees (:meth:`_forest_space`) and turn the
    fitted forest into importances (:meth:`_forest_importances`); parameters left out score 0.
    """

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        self._forest = make_forest(n_trees, max_depth, seed)

    def evaluate(
        self,
        study: Study,
        params: list[str] | None = None,
        *,
        target: Callable[[FrozenTrial], float] | None = None,
    ) -> dict[str, float]:
        require_target_for_multi_objective(study, target)
        space = common_search_space(study, params)
        names = list(space)
        fitted = self._forest_space(space)
        if not fitted:
            return {n: 0.0 for n in names}
        trials = usable_trials(study, names, target)
        if len(trials) <= 1:
            return {n: 0.0 for n in names}

        encoding = ColumnEncoding(fitted)
        self._forest.fit(encoding.encode(trials), target_array(trials, target))
        importances = {n: 0.0 for n in names}
        importances.update(self._forest_importances(encoding))
        return sort_by_importance(importances)

    def _forest_space(self, space: dict[str, BaseDistribution]) -> dict[str, BaseDistribution]:
        """The parameters (of the assessed ``space``) the forest is fitted on."""
        return space

    @abc.abstractmethod
    def _forest_importances(self, encoding: ColumnEncoding) -> dict[str, float]:
        """Importance of each parameter of ``encoding``, from the fitted ``self._forest``."""
        raise NotImplementedError
