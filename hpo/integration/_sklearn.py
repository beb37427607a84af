"""``OptunaSearchCV``: scikit-learn hyperparameter search driven by an hpo study."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import logging
from hpo.distributions import BaseDistribution

_IMPORT_ERROR = (
    "OptunaSearchCV needs scikit-learn, which is not installed. Install the `sklearn` extra: "
    "pip install 'hpo[sklearn]' (or pip install scikit-learn)."
)

try:
    from sklearn.base import BaseEstimator, clone, is_classifier
    from sklearn.model_selection import check_cv
    from sklearn.utils import _safe_indexing, check_random_state, indexable
    from sklearn.utils.validation import _num_samples

    from hpo.integration._sklearn_checks import check_params, check_scoring_and_refit
    from hpo.integration._sklearn_cv import Objective, index_fit_params
    from hpo.integration._sklearn_results import BestEstimatorMixin, cv_results
except ImportError as e:
    if (e.name or "sklearn").partition(".")[0] != "sklearn":
        raise
    raise ImportError(_IMPORT_ERROR, name=e.name) from e

if TYPE_CHECKING:
    import pandas as pd

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)


class OptunaSearchCV(BestEstimatorMixin, BaseEstimator):
    """Hyperparameter search with cross-validation, sampling candidates from an hpo study.

    Every trial of the study suggests one value per entry of ``param_distributions``, sets them
    on a clone of ``estimator`` and scores it by cross-validation; the trial's value is the mean
    test score, which the study maximises. With ``refit=True`` the best parameters are then fitted
    on all the data and ``predict`` etc. delegate to that estimator. The cross-validation folds
    are drawn once per ``fit`` and shared by all trials.

    Requires the ``sklearn`` extra (``pip install 'hpo[sklearn]'``).

    Example:
        >>> import hpo
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> X, y = load_iris(return_X_y=True)
        >>> search = hpo.integration.OptunaSearchCV(
        ...     SVC(),
        ...     {"C": hpo.distributions.FloatDistribution(1e-3, 1e3, log=True)},
        ...     n_trials=10,
        ...     random_state=0,
        ... )
        >>> search.fit(X, y).best_params_  # doctest: +SKIP
        {'C': 3.1...}

    Args:
        estimator: A scikit-learn estimator. It needs ``score`` unless ``scoring`` is given, and
            ``partial_fit`` when ``enable_pruning`` is on.
        param_distributions: Maps parameter names of ``estimator`` (nested ones as
            ``step__param``) to hpo distributions, e.g.
            :class:`~hpo.distributions.FloatDistribution`.
        cv: Cross-validation strategy as in scikit-learn: ``None`` (5 folds), a number of folds,
            a splitter or an iterable of ``(train, test)`` index pairs. Classifiers get
            stratified folds.
        enable_pruning: Train with ``partial_fit`` for ``max_iter`` iterations, report the mean
            test score after each to the trial and stop when the study's pruner says so.
        error_score: Score of a fold whose fit or scoring raised, or ``"raise"`` to propagate
            the error. A failed fold warns with ``FitFailedWarning``; with ``nan`` the candidate's
            mean is ``nan`` and its trial is marked failed. Refitting always raises.
        max_iter: Number of ``partial_fit`` iterations when pruning.
        n_jobs: Number of trials run in parallel threads (``None`` means 1, ``-1`` all CPUs).
        n_trials: Number of trials; ``None`` runs until ``timeout``.
        random_state: Seeds the subsampling and the default sampler
            (:class:`~hpo.samplers.TPESampler`), making a search reproducible.
        refit: Fit the best parameters on the whole data afterwards. With several metrics in
            ``scoring``, the name of the metric to optimise (and refit with).
        return_train_score: Also record the training-fold scores in ``cv_results_``.
        scoring: How to score a fold: ``None`` (the estimator's ``score``), a scorer name, a
            callable ``scorer(estimator, X, y)``, or a list / dict of them for several metrics.
        study: The study to run the trials in; it must maximise a single objective. By default
            a new in-memory study with a seeded TPE sampler.
        subsample: Fraction (float in ``(0, 1]``) or number (int) of samples used by the
            search; the refit always uses all the data.
        timeout: Stop starting trials after this many seconds.
        verbose: ``1`` logs progress at INFO level, ``2`` and more at DEBUG level.
        callbacks: Functions ``callback(study, frozen_trial)`` run after each trial.
        catch: Exception types that fail a trial without stopping the search.

    Attributes:
        best_estimator_: The estimator refitted with ``best_params_`` (only with ``refit``).
        multimetric_: Whether ``scoring`` names several metrics.
        n_splits_: Number of cross-validation folds.
        refit_time_: Seconds spent refitting the best estimator (only with ``refit``).
        sample_indices_: Indices of the samples used by the search.
        scorer_: The scorer, or a dict of scorers by name for several metrics.
        study_: The study the trials ran in.
    """

    _required_parameters = ["estimator", "param_distributions"]

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, BaseDistribution],
        *,
        cv: int | Iterable | Any | None = None,
        enable_pruning: bool = False,
        error_score: float | str = np.nan,
        max_iter: int = 1000,
        n_jobs: int | None = None,
        n_trials: int | None = 10,
        random_state: int | np.random.RandomState | None = None,
        refit: bool | str = True,
        return_train_score: bool = False,
        scoring: Callable[..., float] | str | Iterable | Mapping | None = None,
        study: Study | None = None,
        subsample: float | int = 1.0,
        timeout: float | None = None,
        verbose: int = 0,
        callbacks: list[Callable[[Study, FrozenTrial], None]] | None = None,
        catch: Iterable[type[Exception]] | type[Exception] = (),
    ) -> None:
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.cv = cv
        self.enable_pruning = enable_pruning
        self.error_score = error_score
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.n_trials = n_trials
        self.random_state = random_state
        self.refit = refit
        self.return_train_score = return_train_score
        self.scoring = scoring
        self.study = study
        self.subsample = subsample
        self.timeout = timeout
        self.verbose = verbose
        self.callbacks = callbacks
        self.catch = catch

    # --- scikit-learn protocol ------------------------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        from copy import deepcopy

        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.regressor_tags = deepcopy(inner.regressor_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.input_tags.sparse = inner.input_tags.sparse
        # Seeded by random_state, the default study's sampler repeats its suggestions.
        tags.non_deterministic = (
            inner.non_deterministic or self.random_state is None or self.study is not None
        )
        return tags

    @property
    def _estimator_type(self) -> str | None:  # scikit-learn < 1.6 reads this instead of tags
        return getattr(self.estimator, "_estimator_type", None)

    def _more_tags(self) -> dict[str, bool]:  # scikit-learn < 1.6
        return {"non_deterministic": True}

    # --- results --------------------------------------------------------------------------------

    @property
    def best_trial_(self) -> FrozenTrial:
        """The best completed trial of ``study_``."""
        self._check_is_fitted()
        return self.study_.best_trial

    @property
    def best_index_(self) -> int:
        """Row of ``cv_results_`` of the best trial (its trial number)."""
        return self.best_trial_.number

    @property
    def best_params_(self) -> dict[str, Any]:
        """Parameters of the best trial."""
        return self.best_trial_.params

    @property
    def best_score_(self) -> float:
        """Mean cross-validated score of the best trial."""
        value = self.best_trial_.value
        assert value is not None
        return value

    @property
    def trials_(self) -> list[FrozenTrial]:
        """All trials of ``study_``, in trial-number order."""
        self._check_is_fitted()
        return self.study_.trials

    @property
    def n_trials_(self) -> int:
        """Number of trials in ``study_``."""
        return len(self.trials_)

    @property
    def user_attrs_(self) -> dict[str, Any]:
        """User attributes of ``study_``."""
        self._check_is_fitted()
        return self.study_.user_attrs

    @property
    def sample_size_(self) -> int:
        """Number of samples used by the search (after ``subsample``)."""
        self._check_is_fitted()
        return len(self.sample_indices_)

    @property
    def cv_results_(self) -> dict[str, Any]:
        """Cross-validation results, one entry per trial of ``study_`` (see ``trials_``).

        Holds the trials' user attributes, which are ``split<i>_test_<metric>``,
        ``mean_test_<metric>``, ``std_test_<metric>`` (``<metric>`` is ``score`` for a single
        metric), the ``train`` counterparts with ``return_train_score``, and ``mean_fit_time``,
        ``std_fit_time``, ``mean_score_time``, ``std_score_time``, as float arrays (NaN for a
        trial without the value, e.g. one that failed); ``param_<name>`` masked arrays;
        ``params``, a list of parameter dicts; and ``state``, the trial states' names. A pruned
        trial's scores are those of the iteration it was pruned at.
        """
        return cv_results(self.trials_, self.param_distributions)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a user attribute on ``study_``."""
        self._check_is_fitted()
        self.study_.set_user_attr(key, value)

    def trials_dataframe(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """``study_.trials_dataframe(...)``: the trials as a pandas DataFrame."""
        self._check_is_fitted()
        return self.study_.trials_dataframe(*args, **kwargs)

    # --- fitting --------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, groups: Any = None, **fit_params: Any) -> OptunaSearchCV:
        """Run the search, then refit the best parameters on all of ``X``, ``y`` if ``refit``.

        Args:
            X: Training data.
            y: Targets (``None`` for unsupervised estimators).
            groups: Group labels for group-aware splitters such as ``GroupKFold``.
            **fit_params: Passed to the estimator's ``fit`` (or ``partial_fit``); arrays with
                one entry per sample (e.g. ``sample_weight``) are split with the folds.

        Returns:
            self.

        Raises:
            InvalidParameterError: A constructor argument is invalid (a ``ValueError`` and a
                ``TypeError``).
            ValueError: Every fold of every trial failed, or ``refit`` is on and no trial
                completed.
        """
        checked = check_params(self)
        scorer, scorers, metric = check_scoring_and_refit(self.estimator, self.scoring, self.refit)
        random_state = check_random_state(self.random_state)
        for stale in ("best_estimator_", "refit_time_"):
            self.__dict__.pop(stale, None)

        old_level = _logger.level
        level = logging.WARNING if self.verbose <= 0 else logging.INFO
        _logger.setLevel(logging.DEBUG if self.verbose > 1 else level)
        try:
            objective = self._search(
                X, y, groups, fit_params, checked, scorer, scorers, metric, random_state
            )
            if self.refit:
                self._refit(X, y, fit_params, objective.failure_summary())
        finally:
            _logger.setLevel(old_level)
        return self

    def _search(
        self,
        X: Any,
        y: Any,
        groups: Any,
        fit_params: dict[str, Any],
        checked: Any,
        scorer: Any,
        scorers: dict[str, Callable[..., float]],
        metric: str,
        random_state: np.random.RandomState,
    ) -> Objective:
        X, y, groups = indexable(X, y, groups)
        n_samples = _num_samples(X)
        size = self.subsample
        if isinstance(size, float):
            size = int(size * n_samples)
            if size < 1:
                raise ValueError(
                    f"subsample={self.subsample!r} keeps no sample of the {n_samples} given; "
                    "use a larger fraction or an int number of samples."
                )
        indices = np.arange(n_samples)
        X_res, y_res, groups_res, fit_params_res = X, y, groups, fit_params
        if size < n_samples:
            indices = np.sort(random_state.choice(indices, size, replace=False))
            X_res = _safe_indexing(X, indices)
            y_res = None if y is None else _safe_indexing(y, indices)
            groups_res = None if groups is None else _safe_indexing(groups, indices)
            fit_params_res = index_fit_params(fit_params, indices, n_samples)

        classifier = is_classifier(self.estimator)
        cv = check_cv(self.cv, y_res, classifier=classifier)
        splits = list(cv.split(X_res, y_res, groups_res))
        classes = None
        if self.enable_pruning and classifier and y_res is not None:
            classes = np.unique(np.asarray(y_res))

        self.sample_indices_ = indices
        self.n_splits_ = len(splits)
        self.scorer_ = scorer
        self.multimetric_ = isinstance(scorer, dict)
        if self.study is None:
            import hpo

            seed = int(random_state.randint(0, np.iinfo(np.int32).max))
            self.study_ = hpo.create_study(
                direction="maximize", sampler=hpo.samplers.TPESampler(seed=seed)
            )
        else:
            self.study_ = self.study

        objective = Objective(
            estimator=self.estimator,
            param_distributions=self.param_distributions,
            X=X_res,
            y=y_res,
            splits=splits,
            fit_params=fit_params_res,
            scorers=scorers,
            metric=metric,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
            enable_pruning=self.enable_pruning,
            max_iter=self.max_iter,
            classes=classes,
        )
        _logger.info(f"Searching the best hyperparameters using {len(indices)} samples...")
        self.study_.optimize(
            objective,
            n_trials=self.n_trials,
            timeout=self.timeout,
            n_jobs=checked.n_jobs,
            catch=checked.catch,
            callbacks=checked.callbacks,
        )
        objective.raise_if_all_failed()
        _logger.info("Finished hyperparameter search!")
        return objective

    def _refit(self, X: Any, y: Any, fit_params: dict[str, Any], failures: str) -> None:
        from hpo.trial import TrialState

        if not self.study_.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            states = [t.state.name for t in self.study_.get_trials(deepcopy=False)]
            raise ValueError(
                f"OptunaSearchCV cannot refit: no trial completed (trial states: {states})."
                + (f" Failed folds:\n{failures}" if failures else "")
            )
        params = {k: v for k, v in self.best_params_.items() if k in self.param_distributions}
        self.best_estimator_ = clone(self.estimator).set_params(**params)
        _logger.info(f"Refitting the estimator using {_num_samples(X)} samples...")
        start = time.perf_counter()
        self.best_estimator_.fit(X, y, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        _logger.info(f"Finished refitting! (elapsed time: {self.refit_time_:.3f} sec.)")
