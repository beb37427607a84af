"""EMMR: the expected minimum model regret criterion of Ishibashi et al. (2023)."""

from __future__ import annotations

import math
import sys
import warnings
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class
from hpo.search_space import intersection_search_space
from hpo.terminator.improvement.evaluator import (
    BaseImprovementEvaluator,
    _completed,
    _standardized_regret_bound,
    _values_to_maximize,
)

if TYPE_CHECKING:
    from hpo.study._study_direction import StudyDirection
    from hpo.trial import FrozenTrial

MARGIN_FOR_NUMARICAL_STABILITY = 0.1
_DO_NOT_TERMINATE = sys.float_info.max * MARGIN_FOR_NUMARICAL_STABILITY
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / _SQRT_2PI


def _normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


@experimental_class("4.0.0")
class EMMREvaluator(BaseImprovementEvaluator):
    """Bound on how much the last trial changed the expected minimum simple regret (EMMR).

    The expected minimum simple regret only converges to zero once the optimum has been found;
    this evaluator bounds its change between the last two steps (Ishibashi et al., 2023, "A
    stopping criterion for Bayesian optimization by the gap of expected minimum simple
    regrets"). Two Gaussian processes are fitted to the standardised values, with and without the
    last completed trial. The bound adds the change in the predicted value of the best trial, an
    expected-improvement-like term for the two incumbents, and the GP regret bound of the earlier
    model times the square root of half the Kullback-Leibler divergence between the two
    posteriors. The value is in standardised units; pair it with
    :class:`~hpo.terminator.MedianErrorEvaluator`, which compares it with its own early values.

    Args:
        deterministic_objective: Whether the objective is free of noise.
        delta: Failure probability of the confidence bounds in the regret-bound term.
        min_n_trials: Completed trials needed before the criterion is computed (before that it
            returns a huge value, so the study is not terminated).
        seed: Seed of the random points at which the upper confidence bound is searched.

    Raises:
        ValueError: ``min_n_trials`` is not a finite number above one.
    """

    def __init__(
        self,
        deterministic_objective: bool = False,
        delta: float = 0.1,
        min_n_trials: int = 2,
        seed: int | None = None,
    ) -> None:
        if min_n_trials <= 1 or not np.isfinite(min_n_trials):
            raise ValueError("`min_n_trials` is expected to be a finite integer more than one.")
        self._deterministic = deterministic_objective
        self._delta = delta
        self.min_n_trials = min_n_trials
        self._rng = np.random.RandomState(seed)

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Bound the change of the expected minimum simple regret caused by the last trial.

        Args:
            trials: Trials of the study in order (only the completed ones are used; the last
                of them is the newest observation).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The criterion in standardised units, or a huge value when there are fewer than
            ``min_n_trials`` completed trials or no parameter shared by all of them.
        """
        from hpo.terminator import _gp_adapter

        search_space = intersection_search_space(trials)
        completed = _completed(trials)
        if len(completed) < self.min_n_trials:
            return _DO_NOT_TERMINATE
        if not search_space:
            warnings.warn(
                f"{self.__class__.__name__} cannot consider any search space. "
                "Termination will never occur in this study.",
                stacklevel=2,
            )
            return _DO_NOT_TERMINATE

        space = _gp_adapter.Space(search_space)
        X = space.encode(completed)
        values = _values_to_maximize(completed, study_direction)
        y = (values - values.mean()) / max(sys.float_info.min, float(values.std()))
        is_cat = space.is_categorical

        before = _gp_adapter.fit(X[:-1], y[:-1], is_cat, self._deterministic)
        after = _gp_adapter.fit(X, y, is_cat, self._deterministic, warm_start=before)
        # The Kullback-Leibler term compares two posteriors under the same prior, so the newest
        # observation is taken away from the current model rather than using the earlier one.
        after_without_last = after.with_data(X[:-1], y[:-1])

        new_best = X[int(np.argmax(y))]
        old_best = X[int(np.argmax(y[:-1]))]
        mu_new, var_new = (float(a[0]) for a in after.mean_var(new_best))
        var_old = float(after.mean_var(old_best)[1][0])
        mu_old = float(before.mean_var(old_best)[0][0])
        cov = after.covariance(new_best, old_best)

        # Change of the incumbent's predicted value, and the expected gain of the new incumbent
        # over the old one under the current model (v: std of their difference).
        v = math.sqrt(max(1e-10, var_new - 2.0 * cov + var_old))
        g = (mu_new - mu_old) / v
        incumbent_terms = (mu_old - mu_new) + v * _normal_pdf(g) + v * g * _normal_cdf(g)

        # KL divergence between the posteriors after and before observing the last trial.
        mean_last, var_last = (float(a[0]) for a in after_without_last.mean_var(X[-1]))
        noise = after.noise
        total = var_last + noise
        kl = 0.5 * (
            math.log1p(var_last / noise)
            - var_last / total
            + var_last * (y[-1] - mean_last) ** 2 / total**2
        )
        regret_bound = _standardized_regret_bound(before, space, X[:-1], self._rng, self._delta)
        criterion = incumbent_terms + regret_bound * math.sqrt(0.5 * max(kl, 0.0))
        return min(sys.float_info.max * 0.5, criterion)
