from __future__ import annotations

from typing import TYPE_CHECKING

from hpo.pruners._base import BasePruner

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


class NopPruner(BasePruner):
    """Never prunes.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(pruner=hpo.pruners.NopPruner())
    """

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        return False
