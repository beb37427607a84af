from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hpo._deprecated import experimental_class
from hpo.pruners._base import BasePruner
from hpo.pruners._percentile import best_intermediate_value
from hpo.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_class("2.8.0")
class PatientPruner(BasePruner):
    """Wait ``patience`` steps without improvement before consulting another pruner.

    The trial's best value over its last ``patience + 1`` reported steps is compared with its best
    value before them. Only when it did not improve by more than ``min_delta`` is
    ``wrapped_pruner`` asked (with ``wrapped_pruner=None`` the trial is pruned right away).

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(10):
        ...         trial.report(max(x, 1 - step / 3), step)  # stops improving after a while
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return x
        >>> pruner = hpo.pruners.PatientPruner(hpo.pruners.MedianPruner(), patience=2)
        >>> study = hpo.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=5)

    Args:
        wrapped_pruner: The pruner to ask once patience ran out, or ``None`` to prune then.
        patience: Number of reported steps without improvement to tolerate (``>= 0``).
        min_delta: An improvement must exceed this to count (``>= 0``).

    Raises:
        ValueError: ``patience`` or ``min_delta`` is negative.
    """

    def __init__(
        self, wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
    ) -> None:
        if patience < 0:
            raise ValueError(f"`patience` must be non-negative, but got patience={patience!r}.")
        if min_delta < 0:
            raise ValueError(f"`min_delta` must be non-negative, but got min_delta={min_delta!r}.")
        self._wrapped_pruner = wrapped_pruner
        self._patience = patience
        self._min_delta = min_delta

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if ``trial`` stalled for ``patience`` steps and the wrapped pruner
        (if any) agrees."""
        values = trial.intermediate_values
        if len(values) <= self._patience + 1:
            return False
        steps = sorted(values)
        split = len(steps) - self._patience - 1
        direction = study.direction
        before = best_intermediate_value([values[s] for s in steps[:split]], direction)
        after = best_intermediate_value([values[s] for s in steps[split:]], direction)
        if direction is StudyDirection.MINIMIZE:
            stalled = before + self._min_delta < after
        else:
            stalled = before - self._min_delta > after
        if not stalled or math.isnan(before) or math.isnan(after):
            return False
        if self._wrapped_pruner is None:
            return True
        return self._wrapped_pruner.prune(study, trial)
