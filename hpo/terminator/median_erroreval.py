"""MedianErrorEvaluator: a threshold relative to the improvement evaluator's early values."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class
from hpo.terminator.erroreval import BaseErrorEvaluator
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.study._study_direction import StudyDirection
    from hpo.terminator.improvement.evaluator import BaseImprovementEvaluator
    from hpo.trial import FrozenTrial


@experimental_class("4.0.0")
class MedianErrorEvaluator(BaseErrorEvaluator):
    """A fixed fraction of the median of the paired improvement evaluator's early values.

    The heuristic of Ishibashi et al. (2023), meant for
    :class:`~hpo.terminator.EMMREvaluator`: once ``warm_up_trials + n_initial_trials`` trials
    are complete, the paired evaluator is computed on the first ``1, 2, ...,
    n_initial_trials`` trials after the warm-up, and the threshold is ``threshold_ratio`` times
    the median of these values. The threshold is computed once and then kept by this object.

    Args:
        paired_improvement_evaluator: The improvement evaluator used with this error evaluator.
        warm_up_trials: Initial completed trials skipped (often randomly sampled ones).
        n_initial_trials: Completed trials after the warm-up that the median is taken over.
        threshold_ratio: Ratio of the threshold to the median.

    Raises:
        ValueError: ``warm_up_trials`` is negative, ``n_initial_trials`` is not positive, or
            ``threshold_ratio`` is not a positive finite number.
    """

    def __init__(
        self,
        paired_improvement_evaluator: BaseImprovementEvaluator,
        warm_up_trials: int = 10,
        n_initial_trials: int = 20,
        threshold_ratio: float = 0.01,
    ) -> None:
        if warm_up_trials < 0:
            raise ValueError("`warm_up_trials` is expected to be a non-negative integer.")
        if n_initial_trials <= 0:
            raise ValueError("`n_initial_trials` is expected to be a positive integer.")
        if threshold_ratio <= 0.0 or not np.isfinite(threshold_ratio):
            raise ValueError("`threshold_ratio_to_initial_median` is expected to be a positive.")
        self._paired_improvement_evaluator = paired_improvement_evaluator
        self._warm_up_trials = warm_up_trials
        self._n_initial_trials = n_initial_trials
        self._threshold_ratio = threshold_ratio
        self._threshold: float | None = None

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return the threshold, computing it on the first call with enough completed trials.

        Args:
            trials: Trials of the study (only the completed ones are used).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The threshold; before enough trials are complete, the negative number closest to
            zero, so that no (non-negative) improvement falls below it.
        """
        if self._threshold is not None:
            return self._threshold
        completed = [t for t in trials if t.state == TrialState.COMPLETE]
        start, n_initial = self._warm_up_trials, self._n_initial_trials
        if len(completed) < start + n_initial:
            return -sys.float_info.min
        completed.sort(key=lambda t: t.number)
        criteria = sorted(
            self._paired_improvement_evaluator.evaluate(
                completed[start : start + i], study_direction
            )
            for i in range(1, n_initial + 1)
        )
        median = criteria[len(criteria) // 2]
        self._threshold = min(sys.float_info.max, median * self._threshold_ratio)
        return self._threshold
