"""Statements on the hot path, built once per storage with bind parameters.

Building a SQLAlchemy statement costs far more than executing a cached one, so a trial's
writes and the cache's reads reuse these objects and pass only parameter values.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam as bp

from hpo.storages._rdb import _engine, _schema
from hpo.storages._rdb import _trials as q
from hpo.storages._rdb.models import studies, trial_attrs, trial_params, trial_values, trials

_UNFINISHED = [sa.literal_column("'RUNNING'"), sa.literal_column("'WAITING'")]


class Statements:
    """Dialect-specific prepared statements of one storage."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        c = trials.c
        epoch = _engine.server_epoch(dialect)
        writable = sa.and_(c.trial_id == bp("p_trial_id"), c.state.in_(_UNFINISHED))

        self.param_upsert = self._guarded(
            trial_params,
            {
                "param_name": bp("p_name"),
                "param_value": bp("p_value"),
                "distribution_json": bp("p_dist"),
            },
            writable,
        )
        self.attr_upsert = self._guarded(
            trial_attrs,
            {"is_system": bp("p_is_system"), "key": bp("p_key"), "value_json": bp("p_value")},
            writable,
        )
        self.step_upsert = self._guarded(
            trial_values, {"step": bp("p_step"), "value_json": bp("p_value")}, writable
        )
        self.explain = sa.select(c.number, c.state).where(c.trial_id == bp("p_trial_id"))

        now, state = bp("p_now"), bp("p_state")
        self.claim = (  # racing workers: exactly one UPDATE matches
            sa.update(trials)
            .where(c.trial_id == bp("p_trial_id"), c.state == "WAITING")
            .values(state="RUNNING", datetime_start=now)
        )
        # A retry after a connection died mid-reply must not fail on its own committed write:
        # a finished row carrying this exact state and microsecond timestamp was written by us.
        finishable = sa.and_(
            c.trial_id == bp("p_trial_id"),
            sa.or_(
                c.state.in_(_UNFINISHED),
                sa.and_(c.state == state, c.datetime_complete == now),
            ),
        )
        self.finish_with_values = (
            sa.update(trials)
            .where(finishable)
            .values(state=state, values_json=bp("p_values"), datetime_complete=now)
        )
        self.finish = (
            sa.update(trials).where(finishable).values(state=state, datetime_complete=now)
        )

        self.heartbeat = (
            sa.update(trials)
            .where(c.trial_id == bp("p_trial_id"), c.state == "RUNNING")
            .values(heartbeat=epoch)
        )
        self.stale = sa.select(c.trial_id).where(
            c.study_id == bp("p_study_id"),
            c.state == "RUNNING",
            c.heartbeat < epoch - bp("p_grace", type_=sa.Double),
        )

        self.waiting = (
            sa.select(*q.TRIAL_COLUMNS)
            .where(c.study_id == bp("p_study_id"), c.state == "WAITING")
            .order_by(c.number)
        )
        self.refresh = (
            sa.select(*q.TRIAL_COLUMNS)
            .where(
                c.study_id == bp("p_study_id"),
                sa.or_(
                    c.number > bp("p_last_read"), c.trial_id.in_(bp("p_pending", expanding=True))
                ),
            )
            .order_by(c.number)
        )
        self.children = q.children_query(lambda col: col.in_(bp("p_ids", expanding=True)))

        self.bump = (
            sa.update(studies)
            .where(studies.c.study_id == bp("p_study_id"))
            .values(next_trial_number=studies.c.next_trial_number + 1)
        )
        if dialect in ("mysql", "mariadb"):
            # LAST_INSERT_ID(expr) hands the new counter value back in the OK packet.
            self.bump = self.bump.values(
                next_trial_number=sa.func.last_insert_id(studies.c.next_trial_number + 1)
            )
        else:
            self.bump = self.bump.returning(studies.c.next_trial_number)
        self.insert_trial = sa.insert(trials)
        self.create_running = None
        if dialect == "postgresql":
            # Counter and insert in one statement, so it needs no explicit transaction.
            counter = (
                sa.update(studies)
                .where(studies.c.study_id == bp("p_study_id"))
                .values(next_trial_number=studies.c.next_trial_number + 1)
                .returning((studies.c.next_trial_number - 1).label("number"))
                .cte("counter")
            )
            select = sa.select(
                counter.c.number,
                bp("p_study_id", type_=sa.Integer),
                bp("p_state", type_=c.state.type),
                bp("p_values_json", type_=c.values_json.type),
                bp("p_datetime_start", type_=c.datetime_start.type),
                bp("p_datetime_complete", type_=c.datetime_complete.type),
            )
            columns = [
                "number",
                "study_id",
                "state",
                "values_json",
                "datetime_start",
                "datetime_complete",
            ]
            self.create_running = (
                sa.insert(trials).from_select(columns, select).returning(c.trial_id, c.number)
            )

    def _guarded(
        self, table: sa.Table, values: dict[str, Any], where: sa.ColumnElement[bool]
    ) -> Any:
        """INSERT … SELECT that writes only while the trial is unfinished (one statement)."""
        values = {k: bp(v.key, type_=table.c[k].type) for k, v in values.items()}
        select = sa.select(trials.c.trial_id, *values.values()).where(where)
        pk = {col.name for col in table.primary_key.columns}
        update = {k: v for k, v in values.items() if k not in pk}
        return _schema.upsert_from_select(
            self.dialect, table, ["trial_id", *values], select, update
        )
