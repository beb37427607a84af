"""Improvement evaluators: how much better than the current best the study could still get."""

from __future__ import annotations

import abc
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class
from hpo.search_space import intersection_search_space
from hpo.study._study_direction import StudyDirection
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.terminator._gp_adapter import Space, Surrogate
    from hpo.trial import FrozenTrial

DEFAULT_TOP_TRIALS_RATIO = 0.5
DEFAULT_MIN_N_TRIALS = 20
_N_RANDOM_POINTS = 2048


@experimental_class("3.2.0")
class BaseImprovementEvaluator(metaclass=abc.ABCMeta):
    """Base class for improvement evaluators.

    An improvement evaluator estimates, from the finished trials, how much the objective could
    still improve on the best value found. :class:`~hpo.terminator.Terminator` stops a study
    once this drops below the error estimated by a
    :class:`~hpo.terminator.BaseErrorEvaluator`.
    """

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Estimate the room left for improvement.

        Args:
            trials: Trials of the study (only the completed ones are used).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The estimated room for improvement, in units of the objective.
        """


def _completed(trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    return [t for t in trials if t.state == TrialState.COMPLETE]


def _values_to_maximize(trials: Sequence[FrozenTrial], direction: StudyDirection) -> np.ndarray:
    """Objective values, negated when minimising; infinities clipped to the finite range."""
    sign = -1.0 if direction == StudyDirection.MINIMIZE else 1.0
    values = sign * np.array([float(t.value) for t in trials])  # type: ignore[arg-type]
    finite = np.isfinite(values)
    if finite.all():
        return values
    warnings.warn(
        "Clip non-finite values to the min/max finite values for GP fittings.", stacklevel=3
    )
    if not finite.any():
        return np.zeros_like(values)
    return np.clip(values, values[finite].min(), values[finite].max())


def _beta(n_params: int, n_trials: int, delta: float = 0.1) -> float:
    """Confidence-bound width (squared, in posterior standard deviations) of GP-UCB.

    Srinivas et al.'s high-probability choice ``2 log(|D| t^2 pi^2 / (6 delta))`` with the
    parameter count standing in for ``|D|``, scaled down by 5 as in their experiments.
    """
    return 2.0 * math.log(n_params * n_trials**2 * math.pi**2 / (6.0 * delta)) / 5.0


def _standardized_regret_bound(
    model: Surrogate,
    space: Space,
    X_observed: np.ndarray,
    rng: np.random.RandomState,
    delta: float = 0.1,
) -> float:
    """Upper confidence bound on the regret of the best observed point (maximisation).

    The optimum is at most the largest upper confidence bound over the space (searched at the
    observed points and at random points), and the best observed point is worth at least the
    largest lower confidence bound among the observed points; the gap bounds the regret.
    """
    n_trials, n_params = X_observed.shape
    width = math.sqrt(_beta(n_params, n_trials, delta))
    mean, var = model.mean_var(X_observed)
    spread = width * np.sqrt(var)
    best_lower = float(np.max(mean - spread))
    best_upper = float(np.max(mean + spread))
    mean, var = model.mean_var(space.sample(_N_RANDOM_POINTS, rng))
    best_upper = max(best_upper, float(np.max(mean + width * np.sqrt(var))))
    return best_upper - best_lower


def _require_completed(trials: Sequence[FrozenTrial], what: str) -> None:
    if not _completed(trials):
        raise ValueError(f"Because no trial has been completed yet, {what} cannot be evaluated.")


@experimental_class("3.2.0")
class RegretBoundEvaluator(BaseImprovementEvaluator):
    """Upper bound on the regret of the best trial, holding with high probability under a GP.

    A Gaussian process (Matérn-5/2, one length scale per parameter) is fitted to the best
    ``top_trials_ratio`` of the completed trials (at least ``min_n_trials`` of them). The
    regret of the best trial, i.e. how far its value is from the global optimum, is then at
    most the largest upper confidence bound over the search space minus the largest lower
    confidence bound among those trials (Makarova et al., 2022, "Automatic termination for
    hyperparameter optimization").

    Args:
        top_trials_ratio: Fraction of the completed trials (the best ones) the GP is fitted to.
        min_n_trials: Least number of top trials used (all trials when there are fewer).
        seed: Seed of the random points at which the upper confidence bound is searched.
    """

    def __init__(
        self,
        top_trials_ratio: float = DEFAULT_TOP_TRIALS_RATIO,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
        seed: int | None = None,
    ) -> None:
        self._top_trials_ratio = top_trials_ratio
        self._min_n_trials = min_n_trials
        self._rng = np.random.RandomState(seed)

    def _top_mask(self, values: np.ndarray) -> np.ndarray:
        """The best ``top_n`` values (all values tied with the worst of them included)."""
        n = len(values)
        top_n = int(np.clip(int(n * self._top_trials_ratio), self._min_n_trials, n))
        threshold = np.partition(values, n - top_n)[n - top_n]
        return values >= threshold

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Bound the regret of the best completed trial.

        Args:
            trials: Trials of the study (only the completed ones are used).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The regret bound, in units of the objective.

        Raises:
            ValueError: No trial is complete, or no parameter is shared by all finished trials.
        """
        from hpo.terminator import _gp_adapter

        search_space = intersection_search_space(trials)
        self._validate_input(trials, search_space)
        completed = _completed(trials)
        values = _values_to_maximize(completed, study_direction)
        space = _gp_adapter.Space(search_space)
        mask = self._top_mask(values)
        X_top, top_values = space.encode(completed)[mask], values[mask]
        std = max(1e-10, float(top_values.std()))
        y = (top_values - top_values.mean()) / std
        model = _gp_adapter.fit(X_top, y, space.is_categorical)
        return _standardized_regret_bound(model, space, X_top, self._rng) * std

    @classmethod
    def _validate_input(
        cls, trials: list[FrozenTrial], search_space: dict[str, BaseDistribution]
    ) -> None:
        _require_completed(trials, "the regret bound")
        if not search_space:
            raise ValueError(
                "The intersection search space is empty. This condition is not supported by "
                f"{cls.__name__}."
            )


@experimental_class("3.4.0")
class BestValueStagnationEvaluator(BaseImprovementEvaluator):
    """Trials left before the best value has stagnated for ``max_stagnation_trials`` trials.

    The value is ``max_stagnation_trials`` minus the number of completed trials since the one
    that set the current best value (ties do not count as improvements). Paired with the default
    ``StaticErrorEvaluator(constant=0)``, :class:`~hpo.terminator.Terminator` stops once the
    best value has not improved for more than ``max_stagnation_trials`` completed trials.

    Args:
        max_stagnation_trials: Number of completed trials without improvement tolerated.

    Raises:
        ValueError: ``max_stagnation_trials`` is negative.
    """

    def __init__(self, max_stagnation_trials: int = 30) -> None:
        if max_stagnation_trials < 0:
            raise ValueError("The maximum number of stagnant trials must not be negative.")
        self._max_stagnation_trials = max_stagnation_trials

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Count the remaining tolerated stagnant trials (negative once exceeded).

        Args:
            trials: Trials of the study in order (only the completed ones are used).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            ``max_stagnation_trials`` minus the completed trials since the best one.

        Raises:
            ValueError: No trial is complete.
        """
        self._validate_input(trials)
        completed = _completed(trials)
        maximize = study_direction == StudyDirection.MAXIMIZE
        best_index, best = 0, completed[0].value
        for i, trial in enumerate(completed):
            value = trial.value
            assert value is not None and best is not None
            if (value > best) if maximize else (value < best):
                best_index, best = i, value
        return self._max_stagnation_trials - (len(completed) - 1 - best_index)

    @classmethod
    def _validate_input(cls, trials: list[FrozenTrial]) -> None:
        _require_completed(trials, "the improvement")
