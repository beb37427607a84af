"""RDBStorage and its finished-trial cache on SQLite (file), PostgreSQL and MySQL."""

from __future__ import annotations

import datetime
import math
import os
import pickle
import time
import uuid
import warnings

import pytest
import sqlalchemy as sa

import hpo
from hpo.distributions import FloatDistribution, IntDistribution
from hpo.exceptions import ExperimentalWarning, StorageInternalError
from hpo.storages import RDBStorage, RetryHeartbeatStaleTrialCallback, fail_stale_trials
from hpo.storages._cached_storage import _CachedStorage
from hpo.storages._rdb import _engine
from hpo.storages._rdb.models import HEAD_REVISION, INITIAL_REVISION, MAX_NAME_LENGTH
from hpo.study import StudyDirection
from hpo.trial import TrialState
from tests.storages._rdb_databases import (
    dispose_on_teardown,
)

MIN = [StudyDirection.MINIMIZE]


def _uname(prefix: str) -> str:
    """A study name unique in the session's shared databases."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def rdb_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/rdb.db"
    return request.getfixturevalue(f"rdb_{request.param}_url".replace("postgresql", "postgres"))


def _storage(request: pytest.FixtureRequest, url: str, **kwargs) -> RDBStorage:
    storage = RDBStorage(url, **kwargs)
    dispose_on_teardown(request, storage)
    return storage


def _cached(request: pytest.FixtureRequest, url: str, **kwargs) -> _CachedStorage:
    return _CachedStorage(_storage(request, url, **kwargs))


def _objective(trial: hpo.Trial) -> float:
    return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("y", 0, 3)


# --- URLs, errors, bad input ------------------------------------------------------------------


def test_bare_postgresql_url_uses_psycopg3() -> None:
    url = _engine.normalize_url("postgresql://u:pw@h:5432/db")
    assert url.drivername == "postgresql+psycopg"
    assert _engine.normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert _engine.normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_mysql_url_gets_pymysql_and_utf8mb4() -> None:
    url = _engine.normalize_url("mysql://u@h/db")
    assert url.drivername == "mysql+pymysql"
    assert url.query["charset"] == "utf8mb4"


@pytest.mark.parametrize("scheme", ["postgresql", "mysql+pymysql"])
def test_unreachable_database_names_host_and_port_and_hides_password(scheme: str) -> None:
    start = time.monotonic()
    with pytest.raises(StorageInternalError) as info:
        RDBStorage(f"{scheme}://alice:s3cret-pw@127.0.0.1:1/db")
    assert time.monotonic() - start < 15
    message = str(info.value)
    assert "'127.0.0.1'" in message and "port 1" in message
    assert "s3cret-pw" not in message and "***" in message


def test_repr_masks_password(tmp_path) -> None:
    assert "pw" not in _engine.mask_url("postgresql://u:pw@h/db")
    storage = RDBStorage(f"sqlite:///{tmp_path}/x.db")
    assert "x.db" in repr(storage)


def test_names_too_long_are_rejected_clearly(request, rdb_url) -> None:
    storage = _storage(request, rdb_url)
    with pytest.raises(ValueError, match=str(MAX_NAME_LENGTH)):
        storage.create_new_study(MIN, "s" * (MAX_NAME_LENGTH + 1))
    study_id = storage.create_new_study(MIN, _uname("n").ljust(MAX_NAME_LENGTH, "n"))
    trial_id = storage.create_new_trial(study_id)
    with pytest.raises(ValueError, match="attribute key"):
        storage.set_trial_user_attr(trial_id, "k" * (MAX_NAME_LENGTH + 1), 1)
    with pytest.raises(ValueError, match="parameter name"):
        storage.set_trial_param(trial_id, "p" * 600, 0.5, FloatDistribution(0, 1))


HOSTILE = [
    "Robert'); DROP TABLE hpo_trials;--",
    'quote " and \\ backslash',
    "100% ; /* comment */ -- tail",
    "ユニコード 🎯",
]


def test_hostile_names_are_stored_verbatim(request, rdb_url) -> None:
    storage = _storage(request, rdb_url)
    tag = uuid.uuid4().hex[:6]
    for name in (n + tag for n in HOSTILE):
        study_id = storage.create_new_study(MIN, name)
        assert storage.get_study_id_from_name(name) == study_id
        storage.set_study_user_attr(study_id, name, name)
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, name, 0.25, FloatDistribution(0, 1))
        storage.set_trial_system_attr(trial_id, name, {name: [name]})
        trial = storage.get_trial(trial_id)
        assert trial.params == {name: 0.25}
        assert trial.system_attrs == {name: {name: [name]}}
        assert storage.get_study_user_attrs(study_id) == {name: name}
    # Names differing only in case are distinct studies (MySQL's default collation would merge).
    storage.create_new_study(MIN, "CaseName" + tag)
    storage.create_new_study(MIN, "casename" + tag)
    names = {s.study_name for s in storage.get_all_studies()}
    assert {n + tag for n in [*HOSTILE, "CaseName", "casename"]} <= names


def test_non_finite_values_and_utc_timestamps(request, rdb_url) -> None:
    storage = _storage(request, rdb_url)
    study_id = storage.create_new_study(
        [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE], _uname("nf")
    )
    trial_id = storage.create_new_trial(study_id)
    for step, v in enumerate([math.inf, -math.inf, math.nan, 1e-310, 0.1]):
        storage.set_trial_intermediate_value(trial_id, step, v)
    before = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    storage.set_trial_state_values(trial_id, TrialState.FAIL, [math.inf, math.nan])
    trial = storage.get_trial(trial_id)
    iv = trial.intermediate_values
    assert iv[0] == math.inf and iv[1] == -math.inf and math.isnan(iv[2])
    assert iv[3] == 1e-310 and iv[4] == 0.1
    assert trial.values[0] == math.inf and math.isnan(trial.values[1])
    with storage.engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT datetime_complete FROM hpo_trials WHERE trial_id = :t"),
            {"t": trial_id},
        ).scalar()
    if isinstance(stored, str):  # SQLite keeps the ISO text
        stored = datetime.datetime.fromisoformat(stored)
    assert abs((stored - before).total_seconds()) < 60  # naive UTC in the table


def test_double_precision_parameters_round_trip(request, rdb_url) -> None:
    storage = _storage(request, rdb_url)
    study_id = storage.create_new_study(MIN, _uname("prec"))
    trial_id = storage.create_new_trial(study_id)
    value = 0.1234567890123456789
    storage.set_trial_param(trial_id, "x", value, FloatDistribution(0, 1))
    storage.set_trial_param(trial_id, "n", 7, IntDistribution(0, 2**40))
    assert storage.get_trial(trial_id).params == {"x": value, "n": 7}


# --- construction options, pickling, fork ------------------------------------------------------


def test_constructor_arguments_match_optuna(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/args.db"
    with pytest.raises(ValueError, match="heartbeat_interval"):
        RDBStorage(url, heartbeat_interval=0)
    with pytest.raises(ValueError, match="grace_period"):
        RDBStorage(url, grace_period=-1)
    cb = RetryHeartbeatStaleTrialCallback()
    with pytest.raises(ValueError, match="only one"):
        RDBStorage(url, heartbeat_stale_trial_callback=cb, failed_trial_callback=cb)
    with pytest.warns(FutureWarning, match="failed_trial_callback"):
        storage = RDBStorage(url, failed_trial_callback=cb)
    assert storage.get_heartbeat_stale_trial_callback() is cb
    assert storage.get_failed_trial_callback() is cb
    with pytest.warns(ExperimentalWarning):
        storage = RDBStorage(url, heartbeat_interval=5)
    assert storage.get_heartbeat_interval() == 5


def test_pickled_storages_keep_working(request, rdb_url) -> None:
    cached = _cached(request, rdb_url)
    name = _uname("pickle")
    study = hpo.create_study(storage=cached, study_name=name)
    study.optimize(_objective, n_trials=3)
    clone = pickle.loads(pickle.dumps(cached))
    dispose_on_teardown(request, clone)
    loaded = hpo.load_study(study_name=name, storage=clone)
    loaded.optimize(_objective, n_trials=2)
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_storage_survives_fork(request, rdb_url) -> None:
    storage = _cached(request, rdb_url)
    study = hpo.create_study(storage=storage, study_name=_uname("fork"))
    study.optimize(_objective, n_trials=2)  # the parent's pools now hold connections
    pid = os.fork()
    if pid == 0:  # child: use the inherited storage, then leave without cleanup
        code = 0
        try:
            study.optimize(_objective, n_trials=3)
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    study.optimize(_objective, n_trials=2)
    assert sorted(t.number for t in study.trials) == list(range(7))


# --- schema versions ---------------------------------------------------------------------------


def _stamp(storage: RDBStorage, revision: str) -> None:
    with storage.engine.begin() as conn:
        conn.execute(sa.text("UPDATE hpo_alembic_version SET version_num = :v"), {"v": revision})


def test_version_accessors(tmp_path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path}/v.db")
    assert storage.get_current_version() == HEAD_REVISION == storage.get_head_version()
    assert storage.get_all_versions() == [HEAD_REVISION, INITIAL_REVISION]


def test_older_schema_names_the_upgrade_command_and_newer_is_refused(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    _stamp(RDBStorage(url), INITIAL_REVISION)
    with pytest.raises(RuntimeError, match="hpo storage upgrade --storage URL"):
        RDBStorage(url)
    _stamp(RDBStorage(url, skip_compatibility_check=True), "9999_from_the_future")
    with pytest.raises(RuntimeError, match="newer hpo"):
        RDBStorage(url)


# --- retries ----------------------------------------------------------------------------------


def test_lock_contention_ends_in_storage_internal_error_naming_the_operation(
    tmp_path, monkeypatch
) -> None:
    url = f"sqlite:///{tmp_path}/locked.db"
    storage = RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 0.01}})
    blocker = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    monkeypatch.setattr(_engine, "MAX_ATTEMPTS", 3)
    with blocker.connect() as conn:
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        with pytest.raises(StorageInternalError, match="create_new_study"):
            storage.create_new_study(MIN, "blocked")
        conn.exec_driver_sql("ROLLBACK")
    assert storage.create_new_study(MIN, "blocked") >= 1  # works once the lock is gone


# --- heartbeat --------------------------------------------------------------------------------


def _age_heartbeats(storage: RDBStorage, seconds: float) -> None:
    with storage.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE hpo_trials SET heartbeat = heartbeat - :s WHERE heartbeat IS NOT NULL"
            ),
            {"s": seconds},
        )


def test_stale_trials_are_failed_once_and_retried_once(request, rdb_url) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        backend = _storage(
            request,
            rdb_url,
            heartbeat_interval=60,
            grace_period=120,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=2),
        )
    name = _uname("hb")
    study = hpo.create_study(storage=_CachedStorage(backend), study_name=name)
    other_worker = hpo.load_study(study_name=name, storage=_CachedStorage(backend))
    dead = study.ask()  # beats once at ask; its worker then "dies"
    dead.suggest_float("x", 0, 1)
    study._stop_heartbeat(dead._trial_id)
    alive = study.ask()
    assert backend._get_stale_trial_ids(study._study_id) == []
    _age_heartbeats(backend, 121)
    backend.record_heartbeat(alive._trial_id)  # the live worker keeps beating
    assert backend._get_stale_trial_ids(study._study_id) == [dead._trial_id]
    fail_stale_trials(study)
    fail_stale_trials(other_worker)  # a second worker finds nothing left to fail
    trials = other_worker.trials
    assert trials[dead.number].state is TrialState.FAIL
    retries = [t for t in trials if t.state is TrialState.WAITING]
    assert len(retries) == 1
    assert RetryHeartbeatStaleTrialCallback.retried_trial_number(retries[0]) == dead.number
    assert RetryHeartbeatStaleTrialCallback.retry_history(retries[0]) == [dead.number]
    assert retries[0].params == {"x": dead.params["x"]}
    study.tell(alive, 1.0)
    other_worker.optimize(_objective_x, n_trials=1)  # runs the enqueued retry
    assert other_worker.trials[-1].params["x"] == dead.params["x"]
    assert other_worker.trials[-1].state is TrialState.COMPLETE


def _objective_x(trial: hpo.Trial) -> float:
    return trial.suggest_float("x", 0, 1)


# --- the cache --------------------------------------------------------------------------------


class _Counter:
    """Counts statements (SQLAlchemy cursor events) and commits: explicit COMMITs plus writes on
    autocommit connections, which the server commits one by one."""

    def __init__(self, storage: RDBStorage) -> None:
        self.statements: list[str] = []
        self.commits = 0
        sa.event.listen(storage.engine, "before_cursor_execute", self._on_tx_statement)
        sa.event.listen(storage.engine, "commit", self._on_commit)
        sa.event.listen(storage._ac_engine, "before_cursor_execute", self._on_auto_statement)

    def _record(self, statement: str) -> bool:
        if statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE; drivers hide theirs
            return False
        self.statements.append(statement)
        return True

    def _on_tx_statement(self, conn, cursor, statement, *args) -> None:
        self._record(statement)

    def _on_auto_statement(self, conn, cursor, statement, *args) -> None:
        if self._record(statement) and not statement.lstrip().upper().startswith("SELECT"):
            self.commits += 1

    def _on_commit(self, conn) -> None:
        self.commits += 1

    def reset(self) -> None:
        self.statements.clear()
        self.commits = 0


def test_one_trial_through_optimize_costs_at_most_8_statements_and_4_commits(
    request, rdb_url
) -> None:
    backend = _storage(request, rdb_url)
    study = hpo.create_study(
        storage=_CachedStorage(backend), sampler=hpo.samplers.RandomSampler(seed=0)
    )
    study.optimize(_objective, n_trials=3)
    counter = _Counter(backend)
    study.optimize(_objective, n_trials=1)
    assert len(counter.statements) <= 8, counter.statements
    assert counter.commits <= 4, counter.statements
    assert study.trials[-1].state is TrialState.COMPLETE


def test_get_all_trials_reads_only_new_and_unfinished_trials(request, rdb_url) -> None:
    name = _uname("grow")
    writer = hpo.create_study(storage=_cached(request, rdb_url), study_name=name)
    writer.optimize(_objective, n_trials=30)
    running = writer.ask()
    backend = _storage(request, rdb_url)
    reader = _CachedStorage(backend)
    study_id = reader.get_study_id_from_name(name)
    assert len(reader.get_all_trials(study_id)) == 31
    counter = _Counter(backend)
    states = (TrialState.COMPLETE,)
    assert len(reader.get_all_trials(study_id, deepcopy=False, states=states)) == 30
    assert len(counter.statements) == 2  # the running trial's row and its children
    running.suggest_float("x", -1, 1)
    writer.tell(running, 0.5)
    counter.reset()
    trials = reader.get_all_trials(study_id)
    assert trials[30].state is TrialState.COMPLETE and "x" in trials[30].params
    counter.reset()
    reader.get_all_trials(study_id)
    assert len(counter.statements) == 1  # nothing new: one query that returns no row
    assert reader.get_best_trial(study_id).value == writer.best_value


def test_cache_sees_trials_and_updates_from_other_workers(request, rdb_url) -> None:
    name = _uname("shared")
    a = hpo.create_study(storage=_cached(request, rdb_url), study_name=name)
    b = hpo.load_study(study_name=name, storage=_cached(request, rdb_url))
    trial = a.ask()
    assert b.trials[0].state is TrialState.RUNNING and b.trials[0].params == {}
    trial.suggest_float("x", 0, 1)
    trial.report(0.5, step=1)
    seen = b.trials[0]
    assert "x" in seen.params and seen.intermediate_values == {1: 0.5}
    a.tell(trial, 0.25)
    b.optimize(_objective_x, n_trials=1)
    assert [t.state for t in a.trials] == [TrialState.COMPLETE] * 2
    assert a.best_value == b.best_value == min(t.value for t in a.trials)


def test_incompatible_distribution_is_rejected_through_the_cache(request, rdb_url) -> None:
    study = hpo.create_study(storage=_cached(request, rdb_url))
    study.optimize(_objective_x, n_trials=1)
    trial = study.ask()
    with pytest.raises(ValueError):
        trial.suggest_int("x", 0, 3)


def test_enqueued_trial_from_another_worker_is_claimed_and_run(request, rdb_url) -> None:
    name = _uname("enqueue")
    runner = hpo.create_study(storage=_cached(request, rdb_url), study_name=name)
    runner.optimize(_objective_x, n_trials=1)
    other = hpo.load_study(study_name=name, storage=_cached(request, rdb_url))
    other.enqueue_trial({"x": 0.125})
    runner.optimize(_objective_x, n_trials=2)
    trials = other.trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3
    assert trials[1].params == {"x": 0.125} and trials[1].value == 0.125
    assert runner.trials[1].params == {"x": 0.125}


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path}/wal.db")
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_own_running_trial_finished_elsewhere_is_seen_as_finished(request, rdb_url) -> None:
    name = _uname("tellelsewhere")
    asker = hpo.create_study(storage=_cached(request, rdb_url), study_name=name)
    trial = asker.ask()
    trial.suggest_float("x", 0, 1)
    teller = hpo.load_study(study_name=name, storage=_cached(request, rdb_url))
    teller.tell(trial.number, 0.5)
    seen = asker.trials[0]
    assert seen.state is TrialState.COMPLETE and seen.value == 0.5
    assert "x" in seen.params
    with pytest.raises(ValueError):  # the asker's own tell now finds the trial finished
        asker.tell(trial, 0.7)


def test_replayed_finish_is_idempotent_but_a_different_one_is_refused(request, rdb_url) -> None:
    """What a retry after a lost reply does: the same write again must not fail."""
    storage = _storage(request, rdb_url)
    trial_id = storage.create_new_trial(storage.create_new_study(MIN, _uname("replay")))
    params = {
        "p_trial_id": trial_id,
        "p_state": "COMPLETE",
        "p_values": "[1.0]",
        "p_now": datetime.datetime(2030, 1, 2, 3, 4, 5, 678901),
    }

    def finish(conn: sa.Connection) -> int:
        return conn.execute(storage._st.finish_with_values, params).rowcount

    assert storage._auto("finish", finish) == 1
    assert storage._auto("finish", finish) == 1  # the replay matches our own write
    params["p_now"] = datetime.datetime(2030, 1, 2, 3, 4, 6)
    assert storage._auto("finish", finish) == 0  # anyone else's finish is refused
    with pytest.raises(hpo.exceptions.UpdateFinishedTrialError):
        storage.set_trial_state_values(trial_id, TrialState.FAIL)
