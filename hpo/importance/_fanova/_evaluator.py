"""fANOVA importances: variance decomposition of a random forest fitted to the trials."""

from __future__ import annotations

import numpy as np

from hpo.distributions import BaseDistribution
from hpo.importance._base import ColumnEncoding
from hpo.importance._fanova._tree import TreeAnova
from hpo.importance._forest import ForestImportanceEvaluator


class FanovaImportanceEvaluator(ForestImportanceEvaluator):
    """fANOVA importance evaluator.

    Fits a random forest that predicts the objective value of the
    :attr:`~hpo.trial.TrialState.COMPLETE` trials from their parameters, then decomposes the
    variance of every tree's prediction over the search space (uniform measure) into the main
    effects of the parameters (Hutter et al., "An Efficient Approach for Assessing
    Hyperparameter Importance", ICML 2014). A parameter's importance is the share of a tree's
    variance its main effect explains, averaged over the trees. Interactions are not counted,
    so the raw shares sum to at most 1.

    The assessment is only as good as the forest's fit; samplers that explore the whole space
    (e.g. :class:`~hpo.samplers.RandomSampler`) give the most reliable results.

    Requires scikit-learn.

    Args:
        n_trees: Number of trees in the forest.
        max_depth: Maximum depth of each tree.
        seed: Seed of the forest; an integer makes the result reproducible.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     y = trial.suggest_float("y", -1, 1)
        ...     return x**2 + 0.01 * y
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=50)
        >>> evaluator = hpo.importance.FanovaImportanceEvaluator(seed=0)
        >>> importances = hpo.importance.get_param_importances(study, evaluator=evaluator)
        >>> list(importances)
        ['x', 'y']
    """

    def _forest_space(self, space: dict[str, BaseDistribution]) -> dict[str, BaseDistribution]:
        # Constant parameters cannot explain any variation.
        return {n: d for n, d in space.items() if not d.single()}

    def _forest_importances(self, encoding: ColumnEncoding) -> dict[str, float]:
        trees = [TreeAnova(e.tree_, encoding.bounds) for e in self._forest.estimators_]
        live = [t for t in trees if t.variance > 0.0]
        if not live:
            raise RuntimeError("Encountered zero total variance in all trees.")
        return {
            name: float(np.mean([t.main_effect_variance(columns) / t.variance for t in live]))
            for name, columns in zip(encoding.names, encoding.columns_of)
        }
