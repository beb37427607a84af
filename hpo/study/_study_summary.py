from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial


class StudySummary:
    """Basic facts about a study, as listed by :func:`hpo.get_all_study_summaries`."""

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        best_trial: FrozenTrial | None,
        user_attrs: dict[str, Any],
        n_trials: int,
        datetime_start: datetime.datetime | None,
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        if direction is None and directions is None:
            raise ValueError("Specify one of `direction` and `directions`.")
        if direction is not None and directions is not None:
            raise ValueError("Specify only one of `direction` and `directions`.")
        self.study_name = study_name
        self._directions = list(directions) if directions is not None else [direction]
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id < other._study_id

    def __le__(self, other: Any) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self._study_id <= other._study_id

    def __repr__(self) -> str:
        return (
            f"StudySummary(study_name={self.study_name!r}, directions={self._directions}, "
            f"n_trials={self.n_trials})"
        )

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization."
            )
        return self._directions[0]

    @property
    def directions(self) -> Sequence[StudyDirection]:
        return self._directions
