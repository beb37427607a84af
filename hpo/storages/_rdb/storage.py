"""RDBStorage: studies and trials in SQLite, PostgreSQL or MySQL through SQLAlchemy Core."""

from __future__ import annotations

import datetime
import json
import os
import warnings
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from hpo.distributions import (
    BaseDistribution,
    distribution_to_json,
)
from hpo.exceptions import ExperimentalWarning, UpdateFinishedTrialError
from hpo.storages._base import BaseStorage
from hpo.storages._heartbeat import (
    BaseHeartbeat,
    StaleTrialCallback,
    check_heartbeat_arguments,
    grace_seconds,
)
from hpo.storages._rdb import _engine, _schema
from hpo.storages._rdb import _trials as q
from hpo.storages._rdb._statements import Statements
from hpo.storages._rdb._studies import _StudyMethods, check_name
from hpo.storages._rdb.models import HEAD_REVISION, studies, trial_params, trials
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.trial._frozen import FrozenTrial

T = TypeVar("T")


class RDBStorage(_StudyMethods, BaseStorage, BaseHeartbeat):
    """Keeps studies in a relational database, so many processes and machines can share them.

    Pass the URL string to :func:`hpo.create_study` to get this storage behind an in-memory
    cache of finished trials; construct it yourself to set heartbeats or engine options.

    Args:
        url: An SQLAlchemy URL: ``sqlite:///path.db``, ``postgresql://user:pw@host/db`` (psycopg
            3 is used when psycopg2 is not installed), ``mysql+pymysql://user:pw@host/db``.
        engine_kwargs: Extra keyword arguments for :func:`sqlalchemy.create_engine`.
        skip_compatibility_check: Do not compare the schema revision with this version of hpo.
        heartbeat_interval: Seconds between heartbeats of running trials; ``None`` disables them.
        grace_period: Seconds without a heartbeat after which a RUNNING trial is failed; defaults
            to ``2 * heartbeat_interval``. Measured on the database server's clock.
        heartbeat_stale_trial_callback: Called once for every trial failed as stale, e.g.
            :class:`~hpo.storages.RetryHeartbeatStaleTrialCallback`.
        failed_trial_callback: Deprecated alias of ``heartbeat_stale_trial_callback``.
        skip_table_creation: Do not create missing tables.

    Raises:
        RuntimeError: The database holds an older schema (run ``hpo storage upgrade --storage
            URL``) or one written by a newer hpo.
        hpo.exceptions.StorageInternalError: The database cannot be reached.

    Example:
        >>> import hpo
        >>> storage = hpo.storages.RDBStorage("sqlite:///example.db", heartbeat_interval=60)
        >>> study = hpo.create_study(storage=storage)  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        engine_kwargs: dict[str, Any] | None = None,
        skip_compatibility_check: bool = False,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: StaleTrialCallback | None = None,
        failed_trial_callback: StaleTrialCallback | None = None,
        skip_table_creation: bool = False,
    ) -> None:
        check_heartbeat_arguments(heartbeat_interval, grace_period)
        if heartbeat_interval is not None:
            warnings.warn(
                "The argument `heartbeat_interval` is experimental; its interface may change.",
                ExperimentalWarning,
                stacklevel=2,
            )
        if heartbeat_stale_trial_callback is not None and failed_trial_callback is not None:
            raise ValueError(
                "Specify only one of `heartbeat_stale_trial_callback` and `failed_trial_callback`."
            )
        if failed_trial_callback is not None:
            warnings.warn(
                "`failed_trial_callback` has been deprecated in v4.9.0 and will be removed in "
                "v6.0.0. Use `heartbeat_stale_trial_callback` instead.",
                FutureWarning,
                stacklevel=2,
            )
        self.url = url
        self.engine_kwargs = dict(engine_kwargs or {})
        self.skip_compatibility_check = skip_compatibility_check
        self.skip_table_creation = skip_table_creation
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = (
            heartbeat_stale_trial_callback or failed_trial_callback
        )
        self.failed_trial_callback = self.heartbeat_stale_trial_callback
        self._open()
        try:
            if not skip_table_creation:
                _schema.ensure_tables(self.engine, self._url)
            if not skip_compatibility_check:
                _schema.check_version(self.engine, self._url, self.url)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
            if _schema.is_connect_failure(e):
                raise _engine.connection_error(self._url, e) from None
            raise

    def _open(self) -> None:
        self._url = _engine.normalize_url(self.url)
        try:
            self.engine, self._ac_engine = _engine.create_engines(self._url, self.engine_kwargs)
        except ImportError as e:
            raise ImportError(
                f"No database driver for {_engine.mask_url(self._url)} is installed ({e}). "
                "Install psycopg[binary] for PostgreSQL or pymysql for MySQL."
            ) from e
        self._dialect = self.engine.dialect.name
        self._st = Statements(self._dialect)
        self._builder = q.TrialBuilder()
        self._pid = os.getpid()

    _TRANSIENT = ("engine", "_ac_engine", "_url", "_dialect", "_st", "_builder", "_pid")

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._TRANSIENT}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._open()

    def __repr__(self) -> str:
        return f"RDBStorage({_engine.mask_url(self._url)!r})"

    # --- plumbing -----------------------------------------------------------------------------

    def _after_fork(self) -> None:
        if self._pid != os.getpid():  # connections inherited over fork() belong to the parent
            self.engine.dispose(close=False)
            self._ac_engine.dispose(close=False)
            self._pid = os.getpid()

    def _tx(self, operation: str, fn: Callable[[sa.Connection], T]) -> T:
        """Run ``fn`` in one transaction (committed on success), retrying transient errors."""
        self._after_fork()

        def attempt() -> T:
            with self.engine.begin() as conn:
                return fn(conn)

        return _engine.run_with_retry(operation, self._url, attempt)

    def _auto(self, operation: str, fn: Callable[[sa.Connection], T]) -> T:
        """Run ``fn`` on an autocommit connection: for reads and single-statement writes."""
        self._after_fork()

        def attempt() -> T:
            with self._ac_engine.connect() as conn:
                return fn(conn)

        return _engine.run_with_retry(operation, self._url, attempt)

    def _guarded(self, operation: str, stmt: Any, params: dict[str, Any]) -> None:
        """Run a statement that writes only to an unfinished trial; explain a refusal."""

        def write(conn: sa.Connection) -> None:
            if conn.execute(stmt, params).rowcount == 0:
                self._explain_unwritable(conn, params["p_trial_id"])

        self._auto(operation, write)

    def _explain_unwritable(self, conn: sa.Connection, trial_id: int) -> None:
        row = conn.execute(self._st.explain, {"p_trial_id": trial_id}).first()
        if row is None:
            raise KeyError(f"No trial with id {trial_id}.")
        if row.state not in q.UNFINISHED:
            raise UpdateFinishedTrialError(
                f"Trial#{row.number} has already finished with state {row.state} and can not be "
                "updated."
            )

    def _require_study(self, conn: sa.Connection, study_id: int) -> None:
        found = conn.execute(
            sa.select(studies.c.study_id).where(studies.c.study_id == study_id)
        ).first()
        if found is None:
            raise KeyError(f"No study with id {study_id}.")

    # --- trials: writes -----------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        return self._create_trial(study_id, template_trial)[0]

    def _create_trial(
        self, study_id: int, template: FrozenTrial | None
    ) -> tuple[int, int, datetime.datetime | None]:
        """Insert a trial; return ``(trial_id, number, datetime_start in local time)``."""
        if template is None:
            state, values, start, complete = "RUNNING", None, q.utc_now(), None
        else:
            state, values = template.state.name, q.dump_values(template.values)
            start, complete = _to_utc(template.datetime_start), _to_utc(template.datetime_complete)
            for name in template.distributions:
                check_name("The parameter name", name)
            for key in (*template.user_attrs, *template.system_attrs):
                check_name("The attribute key", key)
        row = {
            "study_id": study_id,
            "state": state,
            "values_json": values,
            "datetime_start": start,
            "datetime_complete": complete,
        }
        st = self._st
        if template is None and st.create_running is not None:

            def create_one(conn: sa.Connection) -> tuple[int, int]:
                found = conn.execute(
                    st.create_running, {f"p_{k}": v for k, v in row.items()}
                ).first()
                if found is None:
                    raise KeyError(f"No study with id {study_id}.")
                return int(found[0]), int(found[1])

            trial_id, number = self._auto("create_new_trial", create_one)
            return trial_id, number, q.to_local(start)

        def create(conn: sa.Connection) -> tuple[int, int]:
            bumped = conn.execute(st.bump, {"p_study_id": study_id})
            if self._dialect in ("mysql", "mariadb"):
                if bumped.rowcount == 0:
                    raise KeyError(f"No study with id {study_id}.")
                number = int(bumped.lastrowid) - 1
            else:
                found = bumped.first()
                if found is None:
                    raise KeyError(f"No study with id {study_id}.")
                number = int(found[0]) - 1
            inserted = conn.execute(st.insert_trial, dict(row, number=number))
            trial_id = int(inserted.inserted_primary_key[0])
            if template is not None:
                q.write_template_children(conn, self._builder, study_id, trial_id, template)
            return trial_id, number

        trial_id, number = self._tx("create_new_trial", create)
        return trial_id, number, q.to_local(start)

    def _check_compatible(
        self, conn: sa.Connection, study_id: int, name: str, dist: BaseDistribution
    ) -> None:
        q.check_compatible(conn, self._builder, study_id, name, dist)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._set_trial_param(trial_id, param_name, param_value_internal, distribution, True)

    def _set_trial_param(
        self,
        trial_id: int,
        name: str,
        value: float,
        distribution: BaseDistribution,
        check_study: bool,
    ) -> None:
        """Store a parameter; ``check_study=False`` skips the study-wide distribution check (the
        cache did it) and makes this a single statement."""
        check_name("The parameter name", name)
        params = {
            "p_trial_id": trial_id,
            "p_name": name,
            "p_value": float(value),
            "p_dist": distribution_to_json(distribution),
        }
        if not check_study:
            self._guarded("set_trial_param", self._st.param_upsert, params)
            return

        def write(conn: sa.Connection) -> None:
            sid = sa.select(trials.c.study_id).where(trials.c.trial_id == trial_id)
            study_id = conn.execute(sid).scalar()
            if study_id is None:
                raise KeyError(f"No trial with id {trial_id}.")
            self._check_compatible(conn, study_id, name, distribution)
            if conn.execute(self._st.param_upsert, params).rowcount == 0:
                self._explain_unwritable(conn, trial_id)

        self._tx("set_trial_param", write)

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        params = {
            "p_trial_id": trial_id,
            "p_step": int(step),
            "p_value": q.dump_float(intermediate_value),
        }
        self._guarded("set_trial_intermediate_value", self._st.step_upsert, params)

    def _set_trial_attr(self, trial_id: int, key: str, value: Any, is_system: bool) -> None:
        check_name("The attribute key", key)
        params = {"p_trial_id": trial_id, "p_is_system": is_system, "p_key": key}
        params["p_value"] = json.dumps(value)
        self._guarded("set_trial_attr", self._st.attr_upsert, params)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, key, value, False)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_trial_attr(trial_id, key, value, True)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        return self._set_state_values(trial_id, state, values)[0]

    def _set_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None
    ) -> tuple[bool, datetime.datetime | None]:
        """Returns whether the state changed and the start/complete time it set (local)."""
        now = q.utc_now()
        params: dict[str, Any] = {"p_trial_id": trial_id, "p_now": now, "p_state": state.name}
        stamped = True
        if state is TrialState.RUNNING:
            stmt = self._st.claim
        elif state.is_finished():
            stmt = self._st.finish if values is None else self._st.finish_with_values
        else:
            stamped = False
            stmt = (
                sa.update(trials)
                .where(trials.c.trial_id == trial_id, trials.c.state.in_(q.UNFINISHED))
                .values(state=state.name)
            )
        if values is not None:
            params["p_values"] = q.dump_values(values)
            if not stamped:
                stmt = stmt.values(values_json=params["p_values"])

        def write(conn: sa.Connection) -> bool:
            if conn.execute(stmt, params).rowcount:
                return True
            self._explain_unwritable(conn, trial_id)
            return False  # RUNNING already: another worker claimed it

        changed = self._auto("set_trial_state_values", write)
        return changed, q.to_local(now) if changed and stamped else None

    # --- trials: reads ------------------------------------------------------------------------

    def _scalar(self, operation: str, stmt: sa.Select) -> Any:
        return self._auto(operation, lambda c: c.execute(stmt).scalar())

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        found = self._scalar(
            "get_trial_id",
            sa.select(trials.c.trial_id).where(
                trials.c.study_id == study_id, trials.c.number == trial_number
            ),
        )
        if found is None:
            raise KeyError(f"No trial number {trial_number} in study {study_id}.")
        return int(found)

    def get_trial_number_from_id(self, trial_id: int) -> int:
        stmt = sa.select(trials.c.number).where(trials.c.trial_id == trial_id)
        found = self._scalar("get_trial_number", stmt)
        if found is None:
            raise KeyError(f"No trial with id {trial_id}.")
        return int(found)

    def _study_id_of_trial(self, trial_id: int) -> int:
        stmt = sa.select(trials.c.study_id).where(trials.c.trial_id == trial_id)
        found = self._scalar("get_trial", stmt)
        if found is None:
            raise KeyError(f"No trial with id {trial_id}.")
        return int(found)

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        found = self._scalar(
            "get_trial_param",
            sa.select(trial_params.c.param_value).where(
                trial_params.c.trial_id == trial_id, trial_params.c.param_name == param_name
            ),
        )
        if found is None:
            raise KeyError(f"Trial {trial_id} has no parameter {param_name!r}.")
        return float(found)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        stmt = sa.select(*q.TRIAL_COLUMNS).where(trials.c.trial_id == trial_id)
        found = self._auto(
            "get_trial",
            lambda c: q.read_trials(c, self._builder, stmt, {}, self._st.children)[0],
        )
        if not found:
            raise KeyError(f"No trial with id {trial_id}.")
        return found[0]

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        where = trials.c.study_id == study_id
        if states is not None:
            where = sa.and_(where, trials.c.state.in_([s.name for s in TrialState if s in states]))
        stmt = sa.select(*q.TRIAL_COLUMNS).where(where).order_by(trials.c.number)
        return self._read_trials(study_id, stmt, {})

    def _read_trials(
        self, study_id: int, stmt: sa.Select, params: dict[str, Any], check_study: bool = True
    ) -> list[FrozenTrial]:
        """Trials selected by ``stmt``; with ``check_study``, KeyError if the study does not
        exist (one more statement when nothing matched)."""
        return self._read_trials_since(study_id, stmt, params, check_study)[0]

    def _read_trials_since(
        self,
        study_id: int,
        stmt: sa.Select,
        params: dict[str, Any],
        check_study: bool = True,
        known: Container[int] = (),
        skip_unfinished: Container[int] = (),
    ) -> tuple[list[FrozenTrial], int]:
        """Like ``_read_trials``, leaving out trials the caller has (see ``q.read_trials``);
        also returns the largest trial number the query saw."""

        def read(conn: sa.Connection) -> tuple[list[FrozenTrial], int]:
            found, top = q.read_trials(
                conn, self._builder, stmt, params, self._st.children, known, skip_unfinished
            )
            if top < 0 and check_study:
                self._require_study(conn, study_id)
            return found, top

        return self._auto("get_all_trials", read)

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        where = trials.c.study_id == study_id
        if state is not None:
            wanted = (state,) if isinstance(state, TrialState) else state
            where = sa.and_(where, trials.c.state.in_([s.name for s in wanted]))

        def count(conn: sa.Connection) -> int:
            n = int(conn.execute(sa.select(sa.func.count()).where(where)).scalar() or 0)
            if n == 0:
                self._require_study(conn, study_id)
            return n

        return self._auto("get_n_trials", count)

    # --- heartbeat ----------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        self._auto(
            "record_heartbeat", lambda c: c.execute(self._st.heartbeat, {"p_trial_id": trial_id})
        )

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        interval = self.heartbeat_interval
        assert interval is not None, "heartbeats are off for this storage"
        params = {"p_study_id": study_id, "p_grace": grace_seconds(interval, self.grace_period)}
        ids = self._auto("get_stale_trials", lambda c: c.execute(self._st.stale, params).all())
        return [int(row[0]) for row in ids]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        return self.heartbeat_stale_trial_callback

    # --- schema versions ----------------------------------------------------------------------

    def upgrade(self) -> None:
        """Migrate the database schema to the newest revision this hpo knows."""
        from hpo.storages._rdb import alembic_helpers

        alembic_helpers.upgrade(self.engine)

    def get_current_version(self) -> str:
        """The schema revision the database is at."""
        version = _schema.read_version(self.engine)
        if version is None:
            raise RuntimeError(f"{_engine.mask_url(self._url)} holds no hpo schema.")
        return version

    def get_head_version(self) -> str:
        """The newest schema revision this hpo knows."""
        return HEAD_REVISION

    def get_all_versions(self) -> list[str]:
        """Every schema revision this hpo knows, newest first."""
        from hpo.storages._rdb import alembic_helpers

        return alembic_helpers.all_revisions()


def _to_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
