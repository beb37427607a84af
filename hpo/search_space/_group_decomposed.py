from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._study_key import study_key
from hpo.distributions import BaseDistribution
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study


class _SearchSpaceGroup:
    """A partition of parameters into groups that always appear together."""

    def __init__(self) -> None:
        self._search_spaces: list[dict[str, BaseDistribution]] = []

    @property
    def search_spaces(self) -> list[dict[str, BaseDistribution]]:
        return self._search_spaces

    def add_distributions(self, distributions: dict[str, BaseDistribution]) -> None:
        """Refine the partition so ``distributions``' names are a union of groups."""
        names = set(distributions)
        refined: list[dict[str, BaseDistribution]] = []
        for space in self._search_spaces:
            inside = {n: d for n, d in space.items() if n in names}
            outside = {n: d for n, d in space.items() if n not in names}
            refined.extend(s for s in (inside, outside) if s)
            names -= set(space)
        new = {n: distributions[n] for n in sorted(names)}
        if new:
            refined.append(new)
        self._search_spaces = refined


class _GroupDecomposedSearchSpace:
    """Groups of parameters that co-occur in every finished trial (for TPE's ``group=True``)."""

    def __init__(self, include_pruned: bool = False) -> None:
        self._include_pruned = include_pruned
        self._seen: set[int] = set()
        self._group = _SearchSpaceGroup()
        self._study_id: tuple[int, int] | None = None

    def calculate(self, study: Study, use_cache: bool = False) -> _SearchSpaceGroup:
        # Keyed by storage too: studies in different storages can share an id.
        key = study_key(study)
        if self._study_id != key:
            self.__init__(self._include_pruned)  # type: ignore[misc]
            self._study_id = key
        states = (
            (TrialState.COMPLETE, TrialState.PRUNED)
            if self._include_pruned
            else (TrialState.COMPLETE,)
        )
        for trial in study._get_trials(deepcopy=False, states=states, use_cache=use_cache):
            if trial.number in self._seen:
                continue
            self._seen.add(trial.number)
            self._group.add_distributions(trial.distributions)
        return self._group
