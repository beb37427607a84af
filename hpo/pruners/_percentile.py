from __future__ import annotations

import math
from collections.abc import Collection
from typing import TYPE_CHECKING

from hpo.pruners._base import BasePruner
from hpo.pruners._history import history
from hpo.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def check_non_negative(name: str, value: int) -> None:
    if value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, but got {name}={value!r}.")


def check_interval(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"`{name}` must be at least 1, but got {name}={value!r}.")


def is_check_step(step: int, previous_step: int, n_warmup_steps: int, interval_steps: int) -> bool:
    """Whether ``step`` is the first report at or after the latest scheduled pruning check.

    Checks are scheduled at ``n_warmup_steps + k * interval_steps``; a check whose step was not
    reported happens at the next reported step instead.
    """
    scheduled = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    return previous_step < scheduled


def latest_check_step(
    steps: Collection[int], n_warmup_steps: int, interval_steps: int
) -> int | None:
    """The latest reported step if a pruning check is due there, else ``None``."""
    if not steps:
        return None
    step = max(steps)
    if step < n_warmup_steps:
        return None
    if interval_steps == 1:  # every step at or after the warm-up is a check
        return step
    previous = max((s for s in steps if s != step), default=-1)
    return step if is_check_step(step, previous, n_warmup_steps, interval_steps) else None


def best_intermediate_value(values: Collection[float], direction: StudyDirection) -> float:
    """The best of a trial's intermediate values, ignoring NaN (NaN if all are NaN)."""
    total = sum(values)
    if not math.isnan(total):  # no NaN among the values: the builtins are exact and fast
        return max(values) if direction is StudyDirection.MAXIMIZE else min(values)
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return max(finite) if direction is StudyDirection.MAXIMIZE else min(finite)


class PercentilePruner(BasePruner):
    """Prune a trial whose best value so far is in the worst ``percentile`` of other trials.

    At each pruning check, the trial's best intermediate value (over all its reported steps) is
    compared with the ``percentile``-th percentile of the values that COMPLETE trials reported
    at the current step. A trial whose reports are all NaN is pruned; NaN values of other trials
    are ignored.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(10):
        ...         trial.report(x * (10 - step), step)
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return x
        >>> study = hpo.create_study(pruner=hpo.pruners.PercentilePruner(25.0, n_startup_trials=3))
        >>> study.optimize(objective, n_trials=10)

    Args:
        percentile: Percentile in ``[0, 100]``; e.g. 25.0 keeps the best quarter of trials.
        n_startup_trials: No pruning until this many trials of the study are COMPLETE.
        n_warmup_steps: No pruning before this step; the earliest check is at
            ``step == n_warmup_steps``. Steps are assumed to be non-negative integers.
        interval_steps: Steps between pruning checks, counted from ``n_warmup_steps``. A check
            whose step was not reported happens at the next reported step.
        n_min_trials: Do not prune when fewer COMPLETE trials than this reported the current
            step.

    Raises:
        ValueError: An argument is out of its range.
    """

    def __init__(
        self,
        percentile: float,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        if not 0.0 <= percentile <= 100:
            raise ValueError(
                f"`percentile` must be between 0 and 100 inclusive, but got "
                f"percentile={percentile!r}."
            )
        check_non_negative("n_startup_trials", n_startup_trials)
        check_non_negative("n_warmup_steps", n_warmup_steps)
        check_interval("interval_steps", interval_steps)
        check_interval("n_min_trials", n_min_trials)
        self._percentile = percentile
        self._n_startup_trials = n_startup_trials
        self._n_warmup_steps = n_warmup_steps
        self._interval_steps = interval_steps
        self._n_min_trials = n_min_trials

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if ``trial`` is worse than the percentile at its latest step."""
        cache = history(study._storage, study._study_id)
        n_complete = cache.n_complete()
        if n_complete == 0 or n_complete < self._n_startup_trials:
            return False
        values = trial.intermediate_values
        step = latest_check_step(values, self._n_warmup_steps, self._interval_steps)
        if step is None:
            return False

        direction = study.direction
        best = best_intermediate_value(values.values(), direction)
        if math.isnan(best):
            return True
        q = self._percentile
        if direction is StudyDirection.MAXIMIZE:
            q = 100 - q
        threshold = cache.percentile_at(step, q, self._n_min_trials)
        if math.isnan(threshold):
            return False
        if direction is StudyDirection.MAXIMIZE:
            return best < threshold
        return best > threshold
