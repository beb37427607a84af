"""Statements and row conversion for trials: the read path shared by RDBStorage and the cache."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from hpo.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from hpo.storages._rdb.models import trial_attrs, trial_params, trial_values, trials
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState

UNFINISHED = ("RUNNING", "WAITING")
_STATES = {s.name: s for s in TrialState}
_KIND_PARAM, _KIND_USER, _KIND_SYSTEM, _KIND_STEP = 0, 1, 2, 3

TRIAL_COLUMNS = (
    trials.c.trial_id,
    trials.c.number,
    trials.c.state,
    trials.c.values_json,
    trials.c.datetime_start,
    trials.c.datetime_complete,
)

_UTC = datetime.timezone.utc


def utc_now() -> datetime.datetime:
    """The current time as naive UTC, which is how the tables store times."""
    return datetime.datetime.now(_UTC).replace(tzinfo=None)


def to_local(value: datetime.datetime | None) -> datetime.datetime | None:
    """Stored naive UTC -> naive local time, which is what FrozenTrial carries."""
    if value is None:
        return None
    return value.replace(tzinfo=_UTC).astimezone().replace(tzinfo=None)


def dump_values(values: Sequence[float] | None) -> str | None:
    return None if values is None else json.dumps([float(v) for v in values])


def dump_float(value: float) -> str:
    return json.dumps(float(value))


def children_query(trial_filter: Callable[[sa.ColumnElement[int]], Any]) -> sa.CompoundSelect:
    """Parameters, attributes and intermediate values of the selected trials, in one statement.

    Rows are ``(trial_id, kind, key, num, text)``.
    """
    params = sa.select(
        trial_params.c.trial_id,
        sa.literal_column(str(_KIND_PARAM), sa.Integer).label("kind"),
        trial_params.c.param_name.label("key"),
        trial_params.c.param_value.label("num"),
        trial_params.c.distribution_json.label("text"),
    ).where(trial_filter(trial_params.c.trial_id))
    attrs = sa.select(
        trial_attrs.c.trial_id,
        sa.case((trial_attrs.c.is_system, _KIND_SYSTEM), else_=_KIND_USER),
        trial_attrs.c.key,
        sa.null(),
        trial_attrs.c.value_json,
    ).where(trial_filter(trial_attrs.c.trial_id))
    steps = sa.select(
        trial_values.c.trial_id,
        sa.literal_column(str(_KIND_STEP), sa.Integer),
        sa.null(),
        trial_values.c.step,
        trial_values.c.value_json,
    ).where(trial_filter(trial_values.c.trial_id))
    return sa.union_all(params, attrs, steps)


class TrialBuilder:
    """Turns rows into FrozenTrials, parsing each distinct distribution JSON once."""

    def __init__(self) -> None:
        self._distributions: dict[str, BaseDistribution] = {}

    def distribution(self, text: str) -> BaseDistribution:
        dist = self._distributions.get(text)
        if dist is None:
            dist = json_to_distribution(text)
            self._distributions[text] = dist
        return dist

    def build(
        self, trial_rows: Iterable[Sequence[Any]], child_rows: Iterable[Sequence[Any]]
    ) -> list[FrozenTrial]:
        """Trials in the order of ``trial_rows``; children of unlisted trials are ignored."""
        built: dict[int, FrozenTrial] = {}
        for trial_id, number, state, values_json, start, complete in trial_rows:
            built[trial_id] = FrozenTrial(
                number=number,
                state=_STATES[state],
                value=None,
                values=None if values_json is None else json.loads(values_json),
                datetime_start=to_local(start),
                datetime_complete=to_local(complete),
                params={},
                distributions={},
                user_attrs={},
                system_attrs={},
                intermediate_values={},
                trial_id=trial_id,
            )
        for trial_id, kind, key, num, text in child_rows:
            trial = built.get(trial_id)
            if trial is None:
                continue
            if kind == _KIND_PARAM:
                dist = self.distribution(text)
                trial._distributions[key] = dist
                trial._params[key] = dist.to_external_repr(float(num))
            elif kind == _KIND_USER:
                trial._user_attrs[key] = json.loads(text)
            elif kind == _KIND_SYSTEM:
                trial._system_attrs[key] = json.loads(text)
            else:
                trial.intermediate_values[int(num)] = float(json.loads(text))
        return list(built.values())


def read_trials(
    conn: sa.Connection,
    builder: TrialBuilder,
    rows_stmt: sa.Select,
    params: dict[str, Any],
    children_stmt: sa.CompoundSelect,
    known: Container[int] = (),
    skip_unfinished: Container[int] = (),
) -> tuple[list[FrozenTrial], int]:
    """Trials selected by ``rows_stmt`` ordered by number, with their parameters, attributes and
    intermediate values: two statements, or one when no trial needs its children.

    Trials in ``known`` are left out, and so are those in ``skip_unfinished`` unless the database
    says they have finished. Also returns the largest trial number the query saw (-1 for none).
    Trial rows are read before their children, so a trial read as finished has all of them.
    """
    rows = conn.execute(rows_stmt, params).all()
    top = max((r[1] for r in rows), default=-1)
    if known or skip_unfinished:
        rows = [
            r
            for r in rows
            if r[0] not in known and (r[0] not in skip_unfinished or r[2] not in UNFINISHED)
        ]
    if not rows:
        return [], top
    ids = [r[0] for r in rows]
    children: list[Any] = []
    for i in range(0, len(ids), 1000):
        children.extend(conn.execute(children_stmt, {"p_ids": ids[i : i + 1000]}).all())
    return builder.build(rows, children), top


def check_compatible(
    conn: sa.Connection, builder: TrialBuilder, study_id: int, name: str, dist: BaseDistribution
) -> None:
    """Raise ValueError if another trial of the study has ``name`` with an incompatible
    distribution."""
    stmt = (
        sa.select(trial_params.c.distribution_json)
        .join(trials, trials.c.trial_id == trial_params.c.trial_id)
        .where(trials.c.study_id == study_id, trial_params.c.param_name == name)
        .limit(1)
    )
    known = conn.execute(stmt).scalar()
    if known is not None:
        check_distribution_compatibility(builder.distribution(known), dist)


def write_template_children(
    conn: sa.Connection, builder: TrialBuilder, study_id: int, trial_id: int, template: FrozenTrial
) -> None:
    """Copy a template trial's parameters, attributes and intermediate values (bulk inserts)."""
    for name, dist in template.distributions.items():
        check_compatible(conn, builder, study_id, name, dist)
    params = [
        {
            "trial_id": trial_id,
            "param_name": name,
            "param_value": float(dist.to_internal_repr(template.params[name])),
            "distribution_json": distribution_to_json(dist),
        }
        for name, dist in template.distributions.items()
    ]
    attrs = [
        {"trial_id": trial_id, "is_system": system, "key": k, "value_json": json.dumps(v)}
        for system, source in ((False, template.user_attrs), (True, template.system_attrs))
        for k, v in source.items()
    ]
    steps = [
        {"trial_id": trial_id, "step": int(step), "value_json": dump_float(v)}
        for step, v in template.intermediate_values.items()
    ]
    for table, rows in ((trial_params, params), (trial_attrs, attrs), (trial_values, steps)):
        if rows:
            conn.execute(sa.insert(table), rows)
