"""Module-level functions that create, load, copy, list and delete studies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from hpo import logging
from hpo.exceptions import DuplicatedStudyError
from hpo.study._study_direction import StudyDirection
from hpo.study._study_summary import StudySummary
from hpo.study.study import Study

if TYPE_CHECKING:
    from hpo.pruners import BasePruner
    from hpo.samplers import BaseSampler
    from hpo.storages import BaseStorage

_logger = logging.get_logger(__name__)


def get_storage(storage: str | BaseStorage | None) -> BaseStorage:
    # Imported here: hpo.storages imports hpo.study for FrozenStudy and StudyDirection.
    from hpo.storages._factory import get_storage as _get_storage

    return _get_storage(storage)


DirectionType = Literal["minimize", "maximize"] | StudyDirection


def _parse_directions(
    direction: DirectionType | None, directions: Sequence[DirectionType] | None
) -> list[StudyDirection]:
    if direction is not None and directions is not None:
        raise ValueError(
            "Specify only one of `direction` and `directions`: `direction` for one objective, "
            "`directions` for several."
        )
    if directions is None:
        directions = ["minimize" if direction is None else direction]
    if isinstance(directions, str) or not isinstance(directions, Sequence):
        raise TypeError(
            f"`directions` must be a list such as ['minimize', 'maximize'], got {directions!r}."
        )
    if len(directions) == 0:
        raise ValueError("`directions` must name at least one direction.")
    parsed = []
    for d in directions:
        if isinstance(d, StudyDirection) and d is not StudyDirection.NOT_SET:
            parsed.append(d)
        elif isinstance(d, str) and d.lower() in ("minimize", "maximize"):
            parsed.append(StudyDirection[d.upper()])
        else:
            raise ValueError(
                f"Unknown direction {d!r}: use 'minimize', 'maximize' or a StudyDirection."
            )
    return parsed


def create_study(
    *,
    storage: str | BaseStorage | None = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: DirectionType | None = None,
    load_if_exists: bool = False,
    directions: Sequence[DirectionType] | None = None,
) -> Study:
    """Create a study.

    Args:
        storage: ``None`` (in memory), a storage URL such as ``"sqlite:///hpo.db"`` or
            ``"postgresql://user@host/db"``, or a :class:`~hpo.storages.BaseStorage`.
        sampler: The sampler; the default is chosen by hpo.
        pruner: The pruner; the default is chosen by hpo.
        study_name: A name; generated when ``None``. Needed to share a study between processes.
        direction: ``"minimize"`` (default) or ``"maximize"`` for a single objective.
        load_if_exists: Load the study if one with ``study_name`` exists instead of failing.
        directions: One direction per objective, for multi-objective studies.

    Raises:
        ValueError: Both ``direction`` and ``directions`` given, or an unknown direction.
        DuplicatedStudyError: ``study_name`` exists and ``load_if_exists`` is False.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(direction="maximize")
        >>> study.optimize(lambda t: -t.suggest_float("x", -1, 1) ** 2, n_trials=5)
    """
    parsed = _parse_directions(direction, directions)
    storage_obj = get_storage(storage)
    try:
        study_id = storage_obj.create_new_study(parsed, study_name)
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        assert study_name is not None
        _logger.info(
            f"Using an existing study with name '{study_name}' instead of creating a new one."
        )
        study_id = storage_obj.get_study_id_from_name(study_name)
        existing = storage_obj.get_study_directions(study_id)
        if (direction is not None or directions is not None) and existing != parsed:
            raise ValueError(
                f"The existing study {study_name!r} has directions "
                f"{[d.name.lower() for d in existing]}, not {[d.name.lower() for d in parsed]}."
            ) from None
    name = storage_obj.get_study_name_from_id(study_id)
    return Study(study_name=name, storage=storage_obj, sampler=sampler, pruner=pruner)


def _study_names(storage: BaseStorage) -> list[str]:
    return [s.study_name for s in storage.get_all_studies()]


def load_study(
    *,
    study_name: str | None,
    storage: str | BaseStorage,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """Load an existing study.

    Args:
        study_name: The study's name; ``None`` if the storage holds exactly one study.
        storage: Where the study lives (URL or storage object).
        sampler: The sampler to use from now on.
        pruner: The pruner to use from now on.

    Raises:
        KeyError: No study has that name; the message lists the names that exist.
        ValueError: ``study_name`` is None and the storage does not hold exactly one study.
    """
    storage_obj = get_storage(storage)
    if study_name is None:
        names = _study_names(storage_obj)
        if len(names) != 1:
            raise ValueError(
                "`study_name` may be None only if the storage holds exactly one study, but it "
                f"holds {len(names)}: {names}."
            )
        study_name = names[0]
    try:
        storage_obj.get_study_id_from_name(study_name)
    except KeyError:
        names = _study_names(storage_obj)
        raise KeyError(
            f"No study named {study_name!r} in the storage. Studies that exist: {names}. "
            "Create it with create_study(study_name=..., load_if_exists=True)."
        ) from None
    return Study(study_name=study_name, storage=storage_obj, sampler=sampler, pruner=pruner)


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    """Delete a study and its trials.

    Raises:
        KeyError: No study has that name.
    """
    storage_obj = get_storage(storage)
    try:
        study_id = storage_obj.get_study_id_from_name(study_name)
    except KeyError:
        raise KeyError(
            f"No study named {study_name!r} to delete. Studies that exist: "
            f"{_study_names(storage_obj)}."
        ) from None
    storage_obj.delete_study(study_id)


def copy_study(
    *,
    from_study_name: str,
    from_storage: str | BaseStorage,
    to_storage: str | BaseStorage,
    to_study_name: str | None = None,
) -> None:
    """Copy a study, its attributes and all its trials to another storage (or name).

    Raises:
        DuplicatedStudyError: The target name exists in ``to_storage``.
    """
    from_study = load_study(study_name=from_study_name, storage=from_storage)
    to_study = create_study(
        study_name=to_study_name or from_study_name,
        storage=to_storage,
        directions=from_study.directions,
        load_if_exists=False,
    )
    for key, value in from_study.system_attrs.items():
        to_study._storage.set_study_system_attr(to_study._study_id, key, value)
    for key, value in from_study.user_attrs.items():
        to_study.set_user_attr(key, value)
    to_study.add_trials(from_study.get_trials(deepcopy=False))


def get_all_study_summaries(
    storage: str | BaseStorage, include_best_trial: bool = True
) -> list[StudySummary]:
    """Summaries of every study in ``storage``."""
    storage_obj = get_storage(storage)
    summaries = []
    for frozen in storage_obj.get_all_studies():
        study_id = frozen._study_id
        trials = storage_obj.get_all_trials(study_id, deepcopy=False)
        best = None
        if include_best_trial and len(frozen.directions) == 1:
            try:
                best = storage_obj.get_best_trial(study_id)
            except ValueError:
                best = None
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(
            StudySummary(
                study_name=frozen.study_name,
                direction=None,
                directions=frozen.directions,
                best_trial=best,
                user_attrs=frozen.user_attrs,
                n_trials=len(trials),
                datetime_start=min(starts) if starts else None,
                study_id=study_id,
            )
        )
    return summaries


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    """Names of every study in ``storage``."""
    return _study_names(get_storage(storage))
