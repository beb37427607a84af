from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hpo.study._study_direction import StudyDirection


class FrozenStudy:
    """A read-only description of a study, as returned by ``BaseStorage.get_all_studies``."""

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self.study_name = study_name
        if direction is None and directions is None:
            raise ValueError("Specify one of `direction` and `directions`.")
        if direction is not None and directions is not None:
            raise ValueError("Specify only one of `direction` and `directions`.")
        self._directions = list(directions) if directions is not None else [direction]
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self._study_id = study_id

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, FrozenStudy):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __lt__(self, other: Any) -> bool:
        if not isinstance(other, FrozenStudy):
            return NotImplemented
        return self._study_id < other._study_id

    def __le__(self, other: Any) -> bool:
        if not isinstance(other, FrozenStudy):
            return NotImplemented
        return self._study_id <= other._study_id

    def __repr__(self) -> str:
        return f"FrozenStudy(study_name={self.study_name!r}, directions={self._directions})"

    @property
    def direction(self) -> StudyDirection:
        if len(self._directions) > 1:
            raise RuntimeError("This study has several objectives; use `directions`.")
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        return self._directions
