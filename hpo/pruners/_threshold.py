from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from hpo.pruners._base import BasePruner
from hpo.pruners._percentile import check_interval, check_non_negative, latest_check_step

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def _as_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"`{name}` must be a number, but got {value!r} of type {type(value).__name__}."
        ) from None


class ThresholdPruner(BasePruner):
    """Prune a trial whose latest intermediate value leaves ``[lower, upper]`` (or is NaN).

    Useful to stop trials that diverge, e.g. a loss that explodes or an accuracy stuck at chance.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 2)
        ...     for step in range(5):
        ...         trial.report(x * step, step)
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return x
        >>> study = hpo.create_study(pruner=hpo.pruners.ThresholdPruner(upper=5.0))
        >>> study.optimize(objective, n_trials=5)

    Args:
        lower: Prune when the latest value is below this; ``None`` for no lower bound.
        upper: Prune when the latest value is above this; ``None`` for no upper bound.
        n_warmup_steps: No pruning before this step.
        interval_steps: Steps between pruning checks, counted from ``n_warmup_steps``.

    Raises:
        TypeError: Neither bound is given, or a bound is not a number.
        ValueError: ``lower > upper``, or a step argument is out of range.
    """

    def __init__(
        self,
        lower: float | None = None,
        upper: float | None = None,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
    ) -> None:
        if lower is None and upper is None:
            raise TypeError("ThresholdPruner needs `lower`, `upper` or both; got neither.")
        low = -math.inf if lower is None else _as_float("lower", lower)
        high = math.inf if upper is None else _as_float("upper", upper)
        if low > high:
            raise ValueError(
                f"`lower` must not exceed `upper`, but got lower={low!r} and upper={high!r}."
            )
        check_non_negative("n_warmup_steps", n_warmup_steps)
        check_interval("interval_steps", interval_steps)
        self._lower = low
        self._upper = high
        self._n_warmup_steps = n_warmup_steps
        self._interval_steps = interval_steps

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if the latest value of ``trial`` is NaN or outside the bounds."""
        values = trial.intermediate_values
        step = latest_check_step(values, self._n_warmup_steps, self._interval_steps)
        if step is None:
            return False
        latest = values[step]
        return math.isnan(latest) or latest < self._lower or latest > self._upper
