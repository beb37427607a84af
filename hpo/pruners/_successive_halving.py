from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from hpo.pruners._base import BasePruner
from hpo.pruners._history import history, rung_key
from hpo.study._study_direction import StudyDirection

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

# Study system attribute holding the estimated ``min_resource="auto"``, shared by all workers.
MIN_RESOURCE_KEY = "pruners:successive_halving:min_resource"


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous Successive Halving (ASHA): promote the best ``1/reduction_factor`` per rung.

    A trial passes rung ``k`` when it reports step
    ``min_resource * reduction_factor ** (min_early_stopping_rate + k)``. Its value there is
    stored on the trial (system attribute ``completed_rung_<k>``), so every process sharing the
    storage sees it, and the trial continues only if that value is among the best
    ``1/reduction_factor`` of all values recorded for rung ``k`` so far. Until ``reduction_factor``
    trials reached a rung, a trial continues only if it is the best there.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(16):
        ...         trial.report(x + 1 / (step + 1), step)
        ...         if trial.should_prune():
        ...             raise hpo.TrialPruned()
        ...     return x
        >>> pruner = hpo.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=4)
        >>> study = hpo.create_study(pruner=pruner)
        >>> study.optimize(objective, n_trials=10)

    Args:
        min_resource: Steps a trial runs before its first rung (``r`` in the ASHA paper), or
            ``"auto"``: ``max(1, last_step // 100)`` of the first trial to complete with reports,
            estimated once and stored on the study so every worker uses the same value. No trial
            is pruned before it is known. Give it explicitly if trials report different numbers
            of steps.
        reduction_factor: ``eta`` of the paper (``>= 2``): about ``1/eta`` of the trials reaching
            a rung are promoted.
        min_early_stopping_rate: ``s`` of the paper (``>= 0``): shifts the first rung to
            ``min_resource * eta ** s``.
        bootstrap_count: Prune a trial at a rung unless more than this many trials (itself
            included) reached that rung. Needs an explicit ``min_resource``.

    Raises:
        ValueError: An argument is out of its range, or ``bootstrap_count > 0`` with
            ``min_resource="auto"``.
    """

    def __init__(
        self,
        min_resource: str | int = "auto",
        reduction_factor: int = 4,
        min_early_stopping_rate: int = 0,
        bootstrap_count: int = 0,
    ) -> None:
        check_min_resource(min_resource)
        if reduction_factor < 2:
            raise ValueError(
                f"`reduction_factor` must be at least 2, but got "
                f"reduction_factor={reduction_factor!r}."
            )
        if min_early_stopping_rate < 0:
            raise ValueError(
                f"`min_early_stopping_rate` must be non-negative, but got "
                f"min_early_stopping_rate={min_early_stopping_rate!r}."
            )
        if bootstrap_count < 0:
            raise ValueError(
                f"`bootstrap_count` must be non-negative, but got "
                f"bootstrap_count={bootstrap_count!r}."
            )
        if bootstrap_count > 0 and min_resource == "auto":
            raise ValueError(
                f"bootstrap_count={bootstrap_count!r} needs an explicit `min_resource`; it cannot "
                "be combined with min_resource='auto'."
            )
        self._min_resource: int | None = None if min_resource == "auto" else int(min_resource)
        self._reduction_factor = reduction_factor
        self._min_early_stopping_rate = min_early_stopping_rate
        self._bootstrap_count = bootstrap_count

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        """Record ``trial``'s value at every rung it just reached; ``True`` if it lost one."""
        return prune_successive_halving(
            study,
            trial,
            min_resource=self._min_resource,
            reduction_factor=self._reduction_factor,
            min_early_stopping_rate=self._min_early_stopping_rate,
            bootstrap_count=self._bootstrap_count,
        )


def check_min_resource(min_resource: object) -> None:
    if isinstance(min_resource, str):
        if min_resource != "auto":
            raise ValueError(
                f"`min_resource` must be an integer >= 1 or 'auto', but got "
                f"min_resource={min_resource!r}."
            )
        return
    if not isinstance(min_resource, int) or isinstance(min_resource, bool) or min_resource < 1:
        raise ValueError(
            f"`min_resource` must be an integer >= 1 or 'auto', but got "
            f"min_resource={min_resource!r}."
        )


def current_rung(trial: FrozenTrial) -> int:
    """The number of rungs ``trial`` has passed (recorded in its system attributes)."""
    attrs = trial.system_attrs
    rung = 0
    while rung_key(rung) in attrs:
        rung += 1
    return rung


def prune_successive_halving(
    study: Study,
    trial: FrozenTrial,
    *,
    min_resource: int | None,
    reduction_factor: int,
    min_early_stopping_rate: int,
    bootstrap_count: int,
    in_bracket: Callable[[int], bool] | None = None,
    bracket_key: Hashable = None,
) -> bool:
    """The ASHA decision for ``trial``.

    ``min_resource=None`` means "auto" (see :class:`SuccessiveHalvingPruner`). With
    ``in_bracket(number)``, only trials it accepts compete (``bracket_key`` identifies that
    filter for caching).
    """
    step = trial.last_step
    if step is None:
        return False
    if min_resource is None:
        min_resource = _auto_min_resource(study)
        if min_resource is None:
            return False
    rung = current_rung(trial)
    value = trial.intermediate_values[step]
    if step < min_resource * reduction_factor ** (min_early_stopping_rate + rung):
        return False  # the common case: no rung reached at this step
    if math.isnan(value):
        return True
    maximize = study.direction is StudyDirection.MAXIMIZE

    def rank_of(n: int) -> int:
        # The best ``n // eta`` of the n values at a rung are promoted; while fewer than ``eta``
        # trials reached it (trials cannot be paused and resumed later), only the best one is.
        rank = max(n // reduction_factor - 1, 0)
        return -rank - 1 if maximize else rank

    # One snapshot of the other trials per call.
    snapshot = history(study._storage, study._study_id).rung_snapshot(
        not trial.state.is_finished()
    )
    while True:
        promotion_step = min_resource * reduction_factor ** (min_early_stopping_rate + rung)
        if step < promotion_step:
            return False
        key = rung_key(rung)
        study._storage.set_trial_system_attr(trial._trial_id, key, value)
        # Keep the caller's snapshot in step with storage: the next call counts rungs from it.
        trial.system_attrs[key] = value
        n, threshold = snapshot.order_statistic(
            key, [value], rank_of, trial._trial_id, bracket_key, in_bracket
        )
        if n <= bootstrap_count:
            return True
        if (value < threshold) if maximize else (value > threshold):
            return True
        rung += 1


def _auto_min_resource(study: Study) -> int | None:
    cache = history(study._storage, study._study_id)
    stored = cache.known_fixed_attr(MIN_RESOURCE_KEY)
    if stored is None and cache.n_complete() > 0:
        stored = cache.fixed_attr(MIN_RESOURCE_KEY)
    if stored is not None:
        return int(stored)
    last_step = cache.first_finished_last_step()
    if last_step is None:
        return None
    return int(cache.set_fixed_attr(MIN_RESOURCE_KEY, max(last_step // 100, 1)))
