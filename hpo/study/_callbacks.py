from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


class MaxTrialsCallback:
    """Stop ``optimize`` once the study holds ``n_trials`` trials in ``states``.

    Useful with several workers: the limit counts every worker's trials.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=50,
        ...                callbacks=[hpo.study.MaxTrialsCallback(10)])
        >>> len(study.trials)
        10
    """

    def __init__(
        self, n_trials: int, states: Container[TrialState] | None = (TrialState.COMPLETE,)
    ) -> None:
        self._n_trials = n_trials
        self._states = states

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._states is None:
            count = len(study.get_trials(deepcopy=False))
        else:
            count = len(study.get_trials(deepcopy=False, states=self._states))
        if count >= self._n_trials:
            study.stop()
