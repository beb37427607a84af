"""Parts of :class:`~hpo.integration.OptunaSearchCV` that read the finished search.

``cv_results`` tabulates the study's trials; ``BestEstimatorMixin`` forwards ``predict`` and
friends to the refitted best estimator (each available only when that estimator has it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial


def _check_refit(search: Any, attr: str) -> None:
    if not search.refit:
        raise AttributeError(
            f"This OptunaSearchCV instance was initialized with refit=False. {attr} is "
            "available only after refitting on the best parameters; set refit=True."
        )


def _delegates(attr: str) -> Callable[[Any], bool]:
    """``available_if`` check: ``refit`` is on and the (best) estimator has ``attr``."""

    def check(search: Any) -> bool:
        _check_refit(search, attr)
        getattr(search.__dict__.get("best_estimator_", search.estimator), attr)
        return True

    return check


def cv_results(trials: Sequence[FrozenTrial], param_names: Iterable[str]) -> dict[str, Any]:
    """Build ``cv_results_`` from ``trials`` (see ``OptunaSearchCV.cv_results_``)."""
    results: dict[str, Any] = {}
    keys = dict.fromkeys(key for trial in trials for key in trial.user_attrs)
    for key in keys:
        values = [trial.user_attrs.get(key, math.nan) for trial in trials]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            results[key] = np.asarray(values, dtype=float)
        else:
            column = np.empty(len(values), dtype=object)
            column[:] = values
            results[key] = column
    names = dict.fromkeys(param_names)
    names.update(dict.fromkeys(name for trial in trials for name in trial.params))
    for name in names:
        column = np.ma.MaskedArray(np.empty(len(trials), dtype=object), mask=True)
        for i, trial in enumerate(trials):
            if name in trial.params:
                column[i] = trial.params[name]
        results[f"param_{name}"] = column
    results["params"] = [trial.params for trial in trials]
    results["state"] = np.asarray([trial.state.name for trial in trials], dtype=object)
    return results


class BestEstimatorMixin:
    """Delegation of prediction methods to ``best_estimator_``, for ``OptunaSearchCV``."""

    refit: Any
    best_estimator_: Any
    scorer_: Any
    multimetric_: bool

    def __sklearn_is_fitted__(self) -> bool:
        return "study_" in self.__dict__

    def _check_is_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                "This OptunaSearchCV instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this attribute."
            )

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the best estimator (classifiers with ``refit`` only)."""
        self._check_is_fitted()
        _check_refit(self, "classes_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """Number of features seen by the best estimator's ``fit`` (``refit`` only)."""
        self._check_is_fitted()
        _check_refit(self, "n_features_in_")
        return self.best_estimator_.n_features_in_

    # --- delegation to the best estimator -------------------------------------------------------

    @available_if(_delegates("decision_function"))
    def decision_function(self, X: Any, **kwargs: Any) -> Any:
        """``decision_function`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.decision_function(X, **kwargs)

    @available_if(_delegates("predict"))
    def predict(self, X: Any, **kwargs: Any) -> Any:
        """``predict`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.predict(X, **kwargs)

    @available_if(_delegates("predict_proba"))
    def predict_proba(self, X: Any, **kwargs: Any) -> Any:
        """``predict_proba`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.predict_proba(X, **kwargs)

    @available_if(_delegates("predict_log_proba"))
    def predict_log_proba(self, X: Any, **kwargs: Any) -> Any:
        """``predict_log_proba`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.predict_log_proba(X, **kwargs)

    @available_if(_delegates("score_samples"))
    def score_samples(self, X: Any, **kwargs: Any) -> Any:
        """``score_samples`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.score_samples(X, **kwargs)

    @available_if(_delegates("transform"))
    def transform(self, X: Any, *args: Any, **kwargs: Any) -> Any:
        """``transform`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.transform(X, *args, **kwargs)

    @available_if(_delegates("inverse_transform"))
    def inverse_transform(self, X: Any, *args: Any, **kwargs: Any) -> Any:
        """``inverse_transform`` of the best estimator."""
        self._check_is_fitted()
        return self.best_estimator_.inverse_transform(X, *args, **kwargs)

    def score(self, X: Any, y: Any = None) -> float:
        """Score the best estimator on ``X``, ``y`` with ``scorer_`` (the optimised metric).

        Raises:
            AttributeError: The search was created with ``refit=False``.
        """
        self._check_is_fitted()
        _check_refit(self, "score")
        scorer = self.scorer_[self.refit] if self.multimetric_ else self.scorer_
        return float(scorer(self.best_estimator_, X, y))
