"""Many processes on one study through a shared PostgreSQL or MySQL URL."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

import hpo
from hpo.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from hpo.trial import TrialState
from tests.storages import _rdb_workers as workers

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(params=["postgresql", "mysql"])
def server_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(
        "rdb_postgres_url" if request.param == "postgresql" else "rdb_mysql_url"
    )


def _start(target: Callable[..., None], *args: object) -> multiprocessing.process.BaseProcess:
    process = SPAWN.Process(target=target, args=args)
    process.start()
    return process


def _join_all(processes: list, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    alive = [p for p in processes if p.is_alive()]
    for p in alive:
        p.kill()
    assert not alive, "workers did not finish in time"
    assert [p.exitcode for p in processes] == [0] * len(processes)


def _new_study(url: str) -> hpo.Study:
    return hpo.create_study(storage=url, study_name=f"mp-{uuid.uuid4().hex[:10]}")


def test_four_processes_run_400_trials_with_dense_numbers(server_url: str) -> None:
    study = _new_study(server_url)
    procs = [_start(workers.optimize, server_url, study.study_name, 100) for _ in range(4)]
    _join_all(procs)
    trials = study.get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(400))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert len({t._trial_id for t in trials}) == 400


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_sigkilled_worker_trial_is_failed_after_grace_and_retried_once(
    rdb_postgres_url: str, tmp_path
) -> None:
    server_url = rdb_postgres_url
    study = _new_study(server_url)
    ready = tmp_path / "ready"
    victim = _start(workers.hang, server_url, study.study_name, str(ready))
    workers.kill_once_running(victim, ready)
    deadline = time.monotonic() + 60

    backend = RDBStorage(server_url, heartbeat_interval=1, grace_period=2)
    assert backend._get_stale_trial_ids(study._study_id) == []  # within the grace period
    while not backend._get_stale_trial_ids(study._study_id):  # server clock decides
        assert time.monotonic() < deadline
        time.sleep(0.2)

    survivors = [
        _start(workers.optimize_with_heartbeat, server_url, study.study_name, 4) for _ in range(2)
    ]
    _join_all(survivors)
    trials = study.get_trials(deepcopy=False)
    assert trials[0].state is TrialState.FAIL
    retries = [t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == 0]
    assert len(retries) == 1 and retries[0].state is TrialState.COMPLETE
    assert retries[0].params == trials[0].params
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE] * 8
    backend.engine.dispose()
    backend._ac_engine.dispose()


def test_workers_survive_the_server_closing_their_connections(rdb_postgres_url: str) -> None:
    url = rdb_postgres_url
    study = _new_study(url)
    procs = [_start(workers.optimize, url, study.study_name, 60, 0.01) for _ in range(2)]
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    database = sa.engine.make_url(url).database
    kill = sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = :db AND pid <> pg_backend_pid()"
    )
    killed = 0
    deadline = time.monotonic() + 60
    with admin.connect() as conn:
        for _ in range(3):
            while len(study.get_trials(deepcopy=False)) < 15 + 30 * killed:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            killed += 1
            assert conn.execute(kill, {"db": database}).scalar() > 0
    _join_all(procs)
    admin.dispose()
    study = hpo.load_study(study_name=study.study_name, storage=url)
    trials = study.get_trials(deepcopy=False)
    assert sorted(t.number for t in trials) == list(range(120))
    assert all(t.state is TrialState.COMPLETE for t in trials)


def test_two_processes_creating_one_study_both_get_it(rdb_postgres_url: str) -> None:
    server_url = rdb_postgres_url
    name = f"race-{uuid.uuid4().hex[:10]}"
    barrier = SPAWN.Barrier(2)  # both call create_study at the same moment
    procs = [_start(workers.create_or_load, server_url, name, barrier) for _ in range(2)]
    _join_all(procs)
    summaries = [s for s in hpo.get_all_study_summaries(server_url) if s.study_name == name]
    assert len(summaries) == 1 and summaries[0].n_trials == 2
