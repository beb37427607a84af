from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._study_key import study_key
from hpo.distributions import BaseDistribution
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial


def _states(include_pruned: bool) -> tuple[TrialState, ...]:
    if include_pruned:
        return (TrialState.COMPLETE, TrialState.PRUNED)
    return (TrialState.COMPLETE,)


def _intersect(
    space: dict[str, BaseDistribution] | None, trial: FrozenTrial
) -> dict[str, BaseDistribution]:
    if space is None:
        return dict(trial.distributions)
    return {name: dist for name, dist in space.items() if trial.distributions.get(name) == dist}


class IntersectionSearchSpace:
    """The parameters (with identical distributions) present in every finished trial.

    Incremental: each ``calculate`` only looks at trials finished since the previous call.

    Args:
        include_pruned: Count PRUNED trials as well as COMPLETE ones.
    """

    def __init__(self, include_pruned: bool = False) -> None:
        self._include_pruned = include_pruned
        self._seen: set[int] = set()
        self._space: dict[str, BaseDistribution] | None = None
        self._study_id: tuple[int, int] | None = None

    def calculate(self, study: Study, use_cache: bool = False) -> dict[str, BaseDistribution]:
        """Return the intersection search space of ``study``, sorted by parameter name."""
        # Keyed by storage too: studies in different storages can share an id.
        key = study_key(study)
        if self._study_id != key:
            self.__init__(self._include_pruned)  # type: ignore[misc]
            self._study_id = key
        states = _states(self._include_pruned)
        trials = study._get_trials(deepcopy=False, states=states, use_cache=use_cache)
        if len(trials) == len(self._seen):  # finished trials never change: nothing new
            return dict(sorted((self._space or {}).items()))
        for trial in trials:
            if trial.number in self._seen:
                continue
            self._seen.add(trial.number)
            self._space = _intersect(self._space, trial)
        return dict(sorted((self._space or {}).items()))


def intersection_search_space(
    trials: list[FrozenTrial], include_pruned: bool = False
) -> dict[str, BaseDistribution]:
    """Return the parameters (with identical distributions) present in all finished ``trials``."""
    states = _states(include_pruned)
    space: dict[str, BaseDistribution] | None = None
    for trial in trials:
        if trial.state in states:
            space = _intersect(space, trial)
    return dict(sorted((space or {}).items()))
