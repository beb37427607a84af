from __future__ import annotations

from hpo.pruners._percentile import PercentilePruner


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of other trials.

    The median stopping rule: at each pruning check, the trial's best intermediate value is
    compared with the median of the values COMPLETE trials reported at the same step. A trial
    whose reports are all NaN is pruned; NaN values of other trials are ignored. This is the
    default pruner of :func:`hpo.create_study`.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        ...     loss = 1.0
        ...     for epoch in range(20):
        ...         loss *= 1 - lr
        ...         trial.report(loss, epoch)
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return loss
        >>> pruner = hpo.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3)
        >>> study = hpo.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=20)

    Args:
        n_startup_trials: No pruning until this many trials of the study are COMPLETE.
        n_warmup_steps: No pruning before this step; the earliest check is at
            ``step == n_warmup_steps``.
        interval_steps: Steps between pruning checks, counted from ``n_warmup_steps``. A check
            whose step was not reported happens at the next reported step.
        n_min_trials: Do not prune when fewer COMPLETE trials than this reported the current
            step.

    Raises:
        ValueError: An argument is out of its range.
    """

    def __init__(
        self,
        n_startup_trials: int = 5,
        n_warmup_steps: int = 0,
        interval_steps: int = 1,
        *,
        n_min_trials: int = 1,
    ) -> None:
        super().__init__(
            50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials
        )
