"""The objective of :class:`~hpo.integration.OptunaSearchCV`: cross-validate one candidate.

Without pruning each fold is fitted once with ``fit``. With pruning every fold's estimator is
trained by ``partial_fit`` one iteration at a time; after each iteration the mean test score over
the folds is reported to the trial, and the study's pruner may stop it.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils import _safe_indexing
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.validation import _num_samples

from hpo.distributions import BaseDistribution
from hpo.exceptions import TrialPruned
from hpo.trial import Trial

Scores = dict[str, np.ndarray]


def index_fit_params(fit_params: Mapping[str, Any], indices: Any, n_samples: int) -> dict:
    """Select ``indices`` from every fit parameter with one entry per sample (e.g. weights).

    Other parameters (scalars, dicts, callbacks, arrays of another length) pass through.
    """
    selected = {}
    for key, value in fit_params.items():
        if _per_sample(value, n_samples):
            value = _safe_indexing(value, indices)
        selected[key] = value
    return selected


def _per_sample(value: Any, n_samples: int) -> bool:
    if value is None or isinstance(value, (str, bytes, Mapping)):
        return False
    if not (hasattr(value, "__len__") or hasattr(value, "shape")):
        return False
    try:
        return _num_samples(value) == n_samples
    except TypeError:
        return False


def _mean(values: np.ndarray) -> float:
    # A fold scored nan (a failed fit with error_score=nan) makes the mean nan, as in
    # scikit-learn's searches, so a candidate that fails on some folds cannot win.
    return float(np.mean(values))


class Objective:
    """Cross-validates the parameters a trial suggests; returns the mean test score.

    Args:
        estimator: The unfitted estimator to clone for every fold.
        param_distributions: Parameter names and their distributions.
        X: Training data (already subsampled).
        y: Targets, or ``None``.
        splits: ``(train, test)`` index arrays, the same for every trial.
        fit_params: Keyword arguments of ``fit`` / ``partial_fit`` (sample-aligned ones are
            indexed per fold).
        scorers: Scorers by metric name.
        metric: The metric whose mean test score is the trial's value.
        error_score: ``"raise"`` or the score of a fold whose fit or scoring failed.
        return_train_score: Also score the training folds.
        enable_pruning: Train with ``partial_fit`` and report after every iteration.
        max_iter: Number of ``partial_fit`` iterations with pruning.
        classes: All class labels, passed to a classifier's ``partial_fit``.
    """

    def __init__(
        self,
        *,
        estimator: Any,
        param_distributions: Mapping[str, BaseDistribution],
        X: Any,
        y: Any,
        splits: Sequence[tuple[np.ndarray, np.ndarray]],
        fit_params: Mapping[str, Any],
        scorers: Mapping[str, Callable[..., float]],
        metric: str,
        error_score: float | str,
        return_train_score: bool,
        enable_pruning: bool,
        max_iter: int,
        classes: np.ndarray | None,
    ) -> None:
        self.estimator = estimator
        self.param_distributions = dict(param_distributions)
        self.X = X
        self.y = y
        self.n_samples = _num_samples(X)
        self.splits = list(splits)
        self.fit_params = dict(fit_params)
        self.scorers = dict(scorers)
        self.metric = metric
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.enable_pruning = enable_pruning
        self.max_iter = max_iter
        self.classes = classes
        self._lock = threading.Lock()
        self.n_fits = 0
        self.failures: Counter[str] = Counter()

    def failure_summary(self) -> str:
        """The distinct fold errors so far, with counts (empty if none)."""
        with self._lock:
            return "\n".join(f"{n} x {error}" for error, n in self.failures.items())

    def raise_if_all_failed(self) -> None:
        """Raise when every fold failed to fit or score, as scikit-learn's searches do.

        Raises:
            ValueError: All folds failed; the message lists the distinct errors.
        """
        if self.n_fits == 0 or sum(self.failures.values()) < self.n_fits:
            return
        raise ValueError(
            f"All the {self.n_fits} fold fits of the search failed, so no candidate could be "
            "scored. It is very likely that the estimator, its parameters or the data are "
            "misconfigured; set error_score='raise' to see the full traceback. The errors "
            f"were:\n{self.failure_summary()}"
        )

    def __call__(self, trial: Trial) -> float:
        params = {
            name: trial._suggest(name, distribution)
            for name, distribution in self.param_distributions.items()
        }
        estimator = clone(self.estimator).set_params(**params)
        scores = self._empty_scores()
        if self.enable_pruning:
            self._partial_fit_folds(trial, estimator, scores)
        else:
            for i, (train, test) in enumerate(self.splits):
                self._run_fold(trial, clone(estimator), i, train, test, scores, partial=False)
        self._store(trial, scores)
        return _mean(scores[f"test_{self.metric}"])

    def _empty_scores(self) -> Scores:
        n = len(self.splits)
        scores = {f"test_{name}": np.full(n, np.nan) for name in self.scorers}
        if self.return_train_score:
            scores.update({f"train_{name}": np.full(n, np.nan) for name in self.scorers})
        scores["fit_time"] = np.zeros(n)
        scores["score_time"] = np.zeros(n)
        return scores

    def _partial_fit_folds(self, trial: Trial, estimator: Any, scores: Scores) -> None:
        estimators = [clone(estimator) for _ in self.splits]
        for step in range(self.max_iter):
            for i, (train, test) in enumerate(self.splits):
                self._run_fold(trial, estimators[i], i, train, test, scores, partial=True)
            trial.report(_mean(scores[f"test_{self.metric}"]), step)
            if trial.should_prune():
                self._store(trial, scores)
                raise TrialPruned(f"Trial was pruned at iteration {step}.")

    def _run_fold(
        self,
        trial: Trial,
        estimator: Any,
        fold: int,
        train: np.ndarray,
        test: np.ndarray,
        scores: Scores,
        *,
        partial: bool,
    ) -> None:
        """Fit (or ``partial_fit``) one fold, score it and write the results into ``scores``.

        Times add up over ``partial_fit`` iterations; scores are those of the latest one.
        """
        X_train, y_train = _safe_split(estimator, self.X, self.y, train)
        X_test, y_test = _safe_split(estimator, self.X, self.y, test, train)
        fit_params = index_fit_params(self.fit_params, train, self.n_samples)
        if partial and self.classes is not None:
            fit_params.setdefault("classes", self.classes)
        fit = estimator.partial_fit if partial else estimator.fit

        start = time.perf_counter()
        stage = "fit"
        try:
            fit(X_train, y_train, **fit_params)
            fitted = time.perf_counter()
            stage = "scoring"
            results = {f"test_{n}": s(estimator, X_test, y_test) for n, s in self.scorers.items()}
            if self.return_train_score:
                results.update(
                    {f"train_{n}": s(estimator, X_train, y_train) for n, s in self.scorers.items()}
                )
            results = {key: float(value) for key, value in results.items()}
            scored = time.perf_counter()
        except Exception as error:
            if self.error_score == "raise":
                raise
            with self._lock:
                self.failures[f"{stage} failed with {type(error).__name__}: {error}"] += 1
            warnings.warn(
                f"The {stage} of fold {fold} in trial {trial.number} failed; its scores are set to "
                f"error_score={self.error_score!r}. The error was: {error!r}",
                FitFailedWarning,
                stacklevel=2,
            )
            scored = time.perf_counter()
            if stage == "fit":
                fitted = scored
            results = {
                key: float(self.error_score)
                for key in scores
                if key.startswith(("test_", "train_"))
            }
        with self._lock:
            self.n_fits += 1
        scores["fit_time"][fold] += fitted - start
        scores["score_time"][fold] += scored - fitted
        for key, value in results.items():
            scores[key][fold] = value

    def _store(self, trial: Trial, scores: Scores) -> None:
        for key, values in scores.items():
            if key.startswith(("test_", "train_")):
                for i, value in enumerate(values):
                    trial.set_user_attr(f"split{i}_{key}", float(value))
            trial.set_user_attr(f"mean_{key}", _mean(values))
            trial.set_user_attr(f"std_{key}", float(np.std(values)))
