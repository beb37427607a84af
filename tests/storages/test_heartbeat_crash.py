"""A SIGKILLed worker's trial is failed after the grace period and retried once, with its
parameters, on the storages that buffer writes when heartbeats are off (Redis, journal file).
The RDB version of this test is in test_rdb_multiprocess.py."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

import hpo
from hpo.storages import RetryHeartbeatStaleTrialCallback
from hpo.trial import TrialState
from tests.storages import _rdb_workers as workers
from tests.storages._journal_backends import delete_redis_keys, redis_prefix

SPAWN = multiprocessing.get_context("spawn")


@pytest.fixture(params=["redis", "journal-file"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """(URL the workers understand, Redis key prefix or None)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        prefix = redis_prefix()
        request.addfinalizer(lambda: delete_redis_keys(url, prefix))
        return url, prefix
    return f"journal-file:{tmp_path / 'journal.log'}", None


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_sigkilled_worker_trial_is_failed_after_grace_and_retried_once(
    shared: tuple[str, str | None], tmp_path: Path
) -> None:
    url, prefix = shared
    study = hpo.create_study(storage=workers._heartbeat_storage(url, prefix), study_name="kill")
    ready = tmp_path / "ready"
    victim = SPAWN.Process(target=workers.hang, args=(url, "kill", str(ready), prefix))
    victim.start()
    workers.kill_once_running(victim, ready)  # right after its suggest: nothing else sent since

    time.sleep(2.5)  # past the 2 s grace period, on any clock
    survivors = [
        SPAWN.Process(target=workers.optimize_with_heartbeat, args=(url, "kill", 4, prefix))
        for _ in range(2)
    ]
    for p in survivors:
        p.start()
    for p in survivors:
        p.join(120)
    assert [p.exitcode for p in survivors] == [0, 0]
    trials = study.get_trials(deepcopy=False)
    assert trials[0].state is TrialState.FAIL
    assert set(trials[0].params) == {"x"}
    retries = [t for t in trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == 0]
    assert len(retries) == 1 and retries[0].state is TrialState.COMPLETE
    assert retries[0].params == trials[0].params
    assert [t.state for t in trials[1:]] == [TrialState.COMPLETE] * 8
