"""Mean-decrease-impurity importances of a random forest fitted to the trials."""

from __future__ import annotations

import numpy as np

from hpo.importance._base import ColumnEncoding
from hpo.importance._forest import ForestImportanceEvaluator


class MeanDecreaseImpurityImportanceEvaluator(ForestImportanceEvaluator):
    """Mean Decrease Impurity (MDI) importance evaluator.

    Fits a random forest that predicts the objective value of the
    :attr:`~hpo.trial.TrialState.COMPLETE` trials from their parameters and reports the
    forest's impurity-based feature importances (scikit-learn's ``feature_importances_``).
    A categorical parameter's importance is the sum over its one-hot columns.

    Requires scikit-learn.

    Args:
        n_trees: Number of trees in the forest.
        max_depth: Maximum depth of each tree.
        seed: Seed of the forest; an integer makes the result reproducible.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(
        ...     lambda t: t.suggest_float("x", -1, 1) ** 2 + 0.01 * t.suggest_float("y", -1, 1),
        ...     n_trials=50,
        ... )
        >>> evaluator = hpo.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)
        >>> list(hpo.importance.get_param_importances(study, evaluator=evaluator))
        ['x', 'y']
    """

    def _forest_importances(self, encoding: ColumnEncoding) -> dict[str, float]:
        per_param = np.zeros(len(encoding.names))
        np.add.at(per_param, encoding.param_of_column, self._forest.feature_importances_)
        return dict(zip(encoding.names, per_param.tolist()))
