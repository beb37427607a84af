"""Error evaluators: how precisely the objective is known, below which improvements are noise."""

from __future__ import annotations

import abc
import math
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_class
from hpo.study._study_direction import StudyDirection
from hpo.terminator._deprecation import warn_deprecated
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial, Trial

# The system attribute Optuna stores the scores under, so studies shared with Optuna agree.
_CROSS_VALIDATION_SCORES_KEY = "terminator:cv_scores"


class BaseErrorEvaluator(metaclass=abc.ABCMeta):
    """Base class for error evaluators.

    An error evaluator estimates the statistical error of the objective (for example, how much
    a cross-validated score varies with the data split). :class:`~hpo.terminator.Terminator`
    stops a study once the room for improvement is smaller than this error.
    """

    @abc.abstractmethod
    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Estimate the statistical error of the objective.

        Args:
            trials: Trials of the study.
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The error, in units of the objective.
        """


@experimental_class("3.2.0")
class CrossValidationErrorEvaluator(BaseErrorEvaluator):
    """The statistical error of a cross-validated objective, from the best trial's fold scores.

    The objective is assumed to be the mean of ``k`` cross-validation scores reported with
    :func:`~hpo.terminator.report_cross_validation_scores`. The error is the standard deviation
    of those scores in the best completed trial, scaled by ``sqrt(1/k + 1/(k - 1))`` (a
    correction for the folds' overlapping training sets).
    """

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Compute the cross-validation error of the best completed trial.

        Args:
            trials: Trials of the study (only the completed ones are considered).
            study_direction: Whether the objective is minimised or maximised.

        Returns:
            The scaled standard deviation of the best trial's cross-validation scores.

        Raises:
            ValueError: No trial is complete, or the best trial has no reported scores.
        """
        completed = [t for t in trials if t.state == TrialState.COMPLETE]
        if not completed:
            raise ValueError(
                "Because no trial has been completed yet, the cross-validation error cannot be "
                "evaluated."
            )
        pick = max if study_direction == StudyDirection.MAXIMIZE else min
        best = pick(completed, key=lambda t: t.value)
        scores = best.system_attrs.get(_CROSS_VALIDATION_SCORES_KEY)
        if scores is None:
            raise ValueError(
                "Cross-validation scores have not been reported. Please call "
                "`report_cross_validation_scores(trial, scores)` during a trial and pass the "
                "list of scores as `scores`."
            )
        k = len(scores)
        return float(math.sqrt((1.0 / k + 1.0 / (k - 1)) * float(np.var(scores))))


def report_cross_validation_scores(trial: Trial, scores: list[float]) -> None:
    """Store a trial's cross-validation scores for :class:`CrossValidationErrorEvaluator`.

    Call it inside the objective with the per-fold scores whose mean the objective returns.

    Args:
        trial: The running trial.
        scores: The cross-validation scores (at least two).

    Raises:
        ValueError: ``scores`` has fewer than two elements.

    Example:
        >>> import hpo
        >>> from hpo.terminator import report_cross_validation_scores
        >>> study = hpo.create_study()
        >>> trial = study.ask()
        >>> report_cross_validation_scores(trial, [0.8, 0.9, 0.85])
    """
    warn_deprecated()
    if len(scores) <= 1:
        raise ValueError("The length of `scores` is expected to be greater than one.")
    values = [float(s) for s in scores]  # e.g. a numpy array from scikit-learn
    trial.storage.set_trial_system_attr(trial._trial_id, _CROSS_VALIDATION_SCORES_KEY, values)


@experimental_class("3.2.0")
class StaticErrorEvaluator(BaseErrorEvaluator):
    """An error evaluator that always returns the same value.

    With it, :class:`~hpo.terminator.Terminator` stops once the room for improvement falls
    below a fixed threshold.

    Args:
        constant: The value returned as the error.
    """

    def __init__(self, constant: float) -> None:
        self._constant = constant

    def evaluate(self, trials: list[FrozenTrial], study_direction: StudyDirection) -> float:
        """Return ``constant``.

        Args:
            trials: Ignored.
            study_direction: Ignored.

        Returns:
            The constant given at construction.
        """
        return self._constant
