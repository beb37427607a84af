from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


class BasePruner(abc.ABC):
    """Base class of pruners: decide from a trial's reported values whether to stop it.

    Pruners keep no history of their own; they read other trials from ``study``.
    """

    @abc.abstractmethod
    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` to stop ``trial`` (its latest report is ``trial.last_step``)."""
