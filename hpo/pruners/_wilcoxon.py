from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

from hpo._deprecated import experimental_class
from hpo.pruners._base import BasePruner
from hpo.pruners._signed_rank import signed_rank_pvalue
from hpo.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_class("3.6.0")
class WilcoxonPruner(BasePruner):
    """Prune a trial that a Wilcoxon signed-rank test finds worse than the best trial.

    Meant for objectives that average a score over problem instances (cross-validation folds,
    benchmark problems, evaluation questions): report each instance's score with the instance id
    as ``step``. The scores are paired with the best trial's scores of the same ids, and the trial
    is pruned once the test says, at level ``p_threshold``, that it is worse. Steps need not be
    reported in order. Trials with infinite or NaN reports are never pruned (with a warning).

    As a safety net, a trial whose average so far is at least as good as the best trial's average
    is not pruned. When pruned, returning the average of the scores seen (instead of raising
    :class:`~hpo.TrialPruned`) keeps an estimate of the trial's value.

    Example:
        >>> import hpo
        >>> instances = [i / 10 for i in range(-10, 11)]
        >>> def objective(trial):
        ...     p = trial.suggest_float("p", -1, 1)
        ...     losses = []
        ...     for i, instance in enumerate(instances):
        ...         losses.append((p - instance) ** 2)
        ...         trial.report(losses[-1], i)
        ...         if trial.should_prune():
        ...             break
        ...     return sum(losses) / len(losses)
        >>> study = hpo.create_study(pruner=hpo.pruners.WilcoxonPruner(p_threshold=0.1))
        >>> study.optimize(objective, n_trials=10)

    Args:
        p_threshold: Prune when the p-value is below this; in ``[0, 1]``. Larger prunes more.
            The test is repeated as steps arrive, so the overall false-positive rate exceeds
            ``p_threshold``; use a Pocock-corrected value to bound it.
        n_startup_steps: Do not prune before this many steps are paired with the best trial
            (at least 2 are always needed).

    Raises:
        ValueError: An argument is out of its range.
    """

    def __init__(self, *, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        if n_startup_steps < 0:
            raise ValueError(
                f"`n_startup_steps` must be non-negative, but got n_startup_steps="
                f"{n_startup_steps!r}."
            )
        if not 0.0 <= p_threshold <= 1.0:
            raise ValueError(
                f"`p_threshold` must be between 0 and 1, but got p_threshold={p_threshold!r}."
            )
        self._n_startup_steps = n_startup_steps
        self._p_threshold = p_threshold

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Return ``True`` if ``trial`` is significantly worse than the best trial."""
        current = trial.intermediate_values
        if not current:
            return False
        if not all(math.isfinite(v) for v in current.values()):
            warnings.warn(
                f"Trial {trial.number} reported an infinite or NaN intermediate value; "
                "WilcoxonPruner does not prune it.",
                stacklevel=2,
            )
            return False
        try:
            best_trial = study.best_trial
        except ValueError:
            return False
        best = best_trial.intermediate_values
        if not best:
            warnings.warn(
                f"The best trial (trial {best_trial.number}) has no intermediate values, so "
                "WilcoxonPruner cannot prune. If it was added with Study.add_trial, give it "
                "`intermediate_values`.",
                stacklevel=2,
            )
            return False
        if not all(math.isfinite(v) for v in best.values()):
            warnings.warn(
                f"The best trial (trial {best_trial.number}) has an infinite or NaN intermediate "
                "value; WilcoxonPruner does not prune the current trial.",
                stacklevel=2,
            )
            return False

        common = sorted(current.keys() & best.keys())
        if len(common) < len(current):
            warnings.warn(
                f"Trial {trial.number} reported steps the best trial (trial {best_trial.number}) "
                "does not have; those steps are ignored.",
                stacklevel=2,
            )
        if len(common) < max(2, self._n_startup_steps):
            return False
        diffs = [current[s] - best[s] for s in common]

        current_mean = sum(current.values()) / len(current)
        best_mean = sum(best.values()) / len(best)
        if study.direction is StudyDirection.MAXIMIZE:
            alternative = "less"
            average_is_best = best_mean <= current_mean
        else:
            alternative = "greater"
            average_is_best = best_mean >= current_mean

        # Same p-value as scipy.stats.wilcoxon(diffs, alternative, zero_method="zsplit").
        p = signed_rank_pvalue(diffs, alternative)
        return p < self._p_threshold and not average_is_best
