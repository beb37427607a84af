"""The study half of RDBStorage: names, directions and attributes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

from hpo.exceptions import DuplicatedStudyError
from hpo.storages._base import DEFAULT_STUDY_NAME_PREFIX
from hpo.storages._rdb import _engine, _schema
from hpo.storages._rdb.models import (
    MAX_NAME_LENGTH,
    studies,
    study_attrs,
    trial_attrs,
    trial_params,
    trial_values,
    trials,
)
from hpo.study._frozen import FrozenStudy
from hpo.study._study_direction import StudyDirection

T = TypeVar("T")


def check_name(what: str, name: str) -> None:
    """Reject names that are not strings or do not fit their column."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, but got {type(name).__name__}: {name!r}.")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{what} {name[:40]!r}... is {len(name)} characters long; RDBStorage allows at "
            f"most {MAX_NAME_LENGTH}."
        )


class _StudyMethods:
    _dialect: str
    _tx: Callable[..., Any]
    _auto: Callable[..., Any]

    # --- studies ------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        check_name("The study name", study_name)
        encoded = json.dumps([StudyDirection(d).name for d in directions])
        stmt = sa.insert(studies).values(study_name=study_name, directions=encoded)

        def insert(conn: sa.Connection) -> int:
            try:
                return int(conn.execute(stmt).inserted_primary_key[0])
            except sa.exc.IntegrityError:
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists. Pass load_if_exists=True to "
                    "load it, or choose another name."
                ) from None

        study_id = self._auto("create_new_study", insert)
        _engine._logger.info("A new study created in RDB with name: %s", study_name)
        return study_id

    def delete_study(self, study_id: int) -> None:
        def delete(conn: sa.Connection) -> None:
            ids = sa.select(trials.c.trial_id).where(trials.c.study_id == study_id)
            for table in (trial_params, trial_attrs, trial_values):
                conn.execute(sa.delete(table).where(table.c.trial_id.in_(ids.scalar_subquery())))
            conn.execute(sa.delete(trials).where(trials.c.study_id == study_id))
            conn.execute(sa.delete(study_attrs).where(study_attrs.c.study_id == study_id))
            if conn.execute(sa.delete(studies).where(studies.c.study_id == study_id)).rowcount:
                return
            raise KeyError(f"No study with id {study_id}.")

        self._tx("delete_study", delete)

    def _set_study_attr(self, study_id: int, key: str, value: Any, is_system: bool) -> None:
        check_name("The attribute key", key)
        encoded = json.dumps(value)
        stmt = _schema.upsert(
            self._dialect,
            study_attrs,
            {"study_id": study_id, "is_system": is_system, "key": key, "value_json": encoded},
            {"value_json": encoded},
        )

        def write(conn: sa.Connection) -> None:
            try:
                conn.execute(stmt)
            except sa.exc.IntegrityError:
                raise KeyError(f"No study with id {study_id}.") from None

        self._auto("set_study_attr", write)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, key, value, False)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._set_study_attr(study_id, key, value, True)

    def get_study_id_from_name(self, study_name: str) -> int:
        stmt = sa.select(studies.c.study_id).where(studies.c.study_name == study_name)
        found = self._auto("get_study_id_from_name", lambda c: c.execute(stmt).first())
        if found is None:
            raise KeyError(f"No study named {study_name!r}.")
        return int(found[0])

    def _study_row(self, study_id: int) -> sa.Row[Any]:
        stmt = sa.select(studies.c.study_name, studies.c.directions).where(
            studies.c.study_id == study_id
        )
        row = self._auto("get_study", lambda c: c.execute(stmt).first())
        if row is None:
            raise KeyError(f"No study with id {study_id}.")
        return row

    def get_study_name_from_id(self, study_id: int) -> str:
        return str(self._study_row(study_id).study_name)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return [StudyDirection[d] for d in json.loads(self._study_row(study_id).directions)]

    def _get_study_attrs(self, study_id: int, is_system: bool) -> dict[str, Any]:
        joined = studies.outerjoin(
            study_attrs,
            sa.and_(
                study_attrs.c.study_id == studies.c.study_id, study_attrs.c.is_system == is_system
            ),
        )
        stmt = (
            sa.select(studies.c.study_id, study_attrs.c.key, study_attrs.c.value_json)
            .select_from(joined)
            .where(studies.c.study_id == study_id)
        )
        rows = self._auto("get_study_attrs", lambda c: c.execute(stmt).all())
        if not rows:
            raise KeyError(f"No study with id {study_id}.")
        return {key: json.loads(text) for _, key, text in rows if key is not None}

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, False)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, True)

    def get_all_studies(self) -> list[FrozenStudy]:
        def read(conn: sa.Connection) -> tuple[list[Any], list[Any]]:
            rows = conn.execute(sa.select(studies).order_by(studies.c.study_id)).all()
            attrs = conn.execute(sa.select(study_attrs)).all()
            return rows, attrs

        rows, attrs = self._auto("get_all_studies", read)
        result = {
            r.study_id: FrozenStudy(
                study_name=r.study_name,
                direction=None,
                directions=[StudyDirection[d] for d in json.loads(r.directions)],
                user_attrs={},
                system_attrs={},
                study_id=r.study_id,
            )
            for r in rows
        }
        for a in attrs:
            study = result.get(a.study_id)
            if study is not None:
                target = study.system_attrs if a.is_system else study.user_attrs
                target[a.key] = json.loads(a.value_json)
        return list(result.values())
