"""TerminatorCallback: a Terminator as a ``Study.optimize`` callback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpo.logging import get_logger
from hpo.terminator._deprecation import warn_deprecated
from hpo.terminator.terminator import Terminator

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.terminator.terminator import BaseTerminator
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)


class TerminatorCallback:
    """Stops :meth:`~hpo.study.Study.optimize` when a terminator says so.

    After each trial the terminator is asked; when it answers ``True`` the study is stopped
    (the running trials finish, no new ones start).

    Args:
        terminator: Decides when to stop. Defaults to :class:`~hpo.terminator.Terminator` with
            its default evaluators (which need
            :func:`~hpo.terminator.report_cross_validation_scores` in the objective).

    Example:
        >>> import hpo
        >>> from hpo.terminator import BestValueStagnationEvaluator, Terminator
        >>> from hpo.terminator import TerminatorCallback
        >>> terminator = Terminator(BestValueStagnationEvaluator(5), min_n_trials=10)
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(
        ...     lambda t: t.suggest_float("x", -1, 1) ** 2,
        ...     n_trials=200,
        ...     callbacks=[TerminatorCallback(terminator)],
        ... )
    """

    def __init__(self, terminator: BaseTerminator | None = None) -> None:
        warn_deprecated()
        self._terminator = terminator or Terminator()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._terminator.should_terminate(study=study):
            _logger.info("The study has been stopped by the terminator.")
            study.stop()
