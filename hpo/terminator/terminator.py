"""Terminator: stop a study once the room for improvement is below the objective's error."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

from hpo.terminator._deprecation import warn_deprecated
from hpo.terminator.erroreval import (
    BaseErrorEvaluator,
    CrossValidationErrorEvaluator,
    StaticErrorEvaluator,
)
from hpo.terminator.improvement.evaluator import (
    DEFAULT_MIN_N_TRIALS,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    RegretBoundEvaluator,
)
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.study import Study


class BaseTerminator(metaclass=abc.ABCMeta):
    """Base class for terminators."""

    @abc.abstractmethod
    def should_terminate(self, study: Study) -> bool:
        """Whether ``study`` should stop.

        Args:
            study: The study being optimised.

        Returns:
            ``True`` to stop the study.
        """


class Terminator(BaseTerminator):
    """Decides that a study should stop when further trials are unlikely to help.

    After ``min_n_trials`` completed trials, the room left for improvement (from
    ``improvement_evaluator``) is compared with the statistical error of the objective (from
    ``error_evaluator``); once the room is smaller, improvements could not be told apart from
    noise and the study should stop (Makarova et al., 2022, "Automatic termination for
    hyperparameter optimization").

    Args:
        improvement_evaluator: Estimates the room for improvement. Defaults to
            :class:`~hpo.terminator.RegretBoundEvaluator`.
        error_evaluator: Estimates the statistical error. Defaults to
            :class:`~hpo.terminator.CrossValidationErrorEvaluator`, or to
            ``StaticErrorEvaluator(constant=0)`` when ``improvement_evaluator`` is a
            :class:`~hpo.terminator.BestValueStagnationEvaluator`.
        min_n_trials: Completed trials needed before termination is considered.

    Raises:
        ValueError: ``min_n_trials`` is not positive.

    Example:
        >>> import hpo
        >>> from hpo.terminator import BestValueStagnationEvaluator, Terminator
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> terminator = Terminator(BestValueStagnationEvaluator(max_stagnation_trials=5))
        >>> for _ in range(100):
        ...     trial = study.ask()
        ...     frozen = study.tell(trial, trial.suggest_float("x", -1, 1) ** 2)
        ...     if terminator.should_terminate(study):
        ...         break
        >>> len(study.trials) < 100
        True
    """

    def __init__(
        self,
        improvement_evaluator: BaseImprovementEvaluator | None = None,
        error_evaluator: BaseErrorEvaluator | None = None,
        min_n_trials: int = DEFAULT_MIN_N_TRIALS,
    ) -> None:
        warn_deprecated()
        if min_n_trials <= 0:
            raise ValueError("`min_n_trials` is expected to be a positive integer.")
        self._improvement_evaluator = improvement_evaluator or RegretBoundEvaluator()
        self._error_evaluator = error_evaluator or self._initialize_error_evaluator()
        self._min_n_trials = min_n_trials

    def _initialize_error_evaluator(self) -> BaseErrorEvaluator:
        if isinstance(self._improvement_evaluator, BestValueStagnationEvaluator):
            return StaticErrorEvaluator(constant=0)
        return CrossValidationErrorEvaluator()

    def should_terminate(self, study: Study) -> bool:
        """Whether the room for improvement has fallen below the error.

        Args:
            study: A single-objective study.

        Returns:
            ``False`` before ``min_n_trials`` trials are complete; afterwards whether the
            improvement is smaller than the error.

        Raises:
            RuntimeError: The study has several objectives (once ``min_n_trials`` trials are
                complete).
        """
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(completed) < self._min_n_trials:
            return False
        direction = study.direction
        trials = study.get_trials(deepcopy=False)
        improvement = self._improvement_evaluator.evaluate(
            trials=trials, study_direction=direction
        )
        error = self._error_evaluator.evaluate(trials=trials, study_direction=direction)
        return improvement < error
