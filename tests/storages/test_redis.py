"""RedisStorage: URL dispatch, JSON-only data (hostile values), incremental reads."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from typing import Any

import pytest

import hpo
from hpo.storages import RedisStorage, get_storage
from hpo.study import StudyDirection
from hpo.trial import TrialState
from tests.storages._journal_backends import delete_redis_keys, redis_prefix


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = redis_prefix()
    yield name
    delete_redis_keys(redis_url, name)


class _Exploit:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (open, (self.marker, "w"))


def test_redis_url_gives_redis_storage(redis_url: str) -> None:
    storage = get_storage(redis_url)
    assert isinstance(storage, RedisStorage)
    assert storage._prefix == "hpo"


def test_prefix_must_be_a_non_empty_string(redis_url: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        RedisStorage(redis_url, prefix="")


def test_create_study_with_storage_runs_and_survives_pickling(redis_url: str, prefix: str) -> None:
    storage = RedisStorage(redis_url, prefix=prefix)
    study = hpo.create_study(storage=storage, sampler=hpo.samplers.RandomSampler(0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    copy = pickle.loads(pickle.dumps(storage))
    assert [t.params for t in copy.get_all_trials(study._study_id)] == [
        t.params for t in study.trials
    ]


def test_hostile_values_get_a_clear_error_and_never_run(
    redis_url: str, prefix: str, tmp_path: Any
) -> None:
    import redis

    writer = RedisStorage(redis_url, prefix=prefix)
    study_id = writer.create_new_study([StudyDirection.MINIMIZE], "s")
    trial_id = writer.create_new_trial(study_id)
    storage = RedisStorage(redis_url, prefix=prefix)  # another worker reads what was planted
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Exploit(str(marker)))
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset(f"{prefix}:trial:{trial_id}", "u:evil", payload)
        with pytest.raises(ValueError, match="not JSON.*never unpickles"):
            storage.get_trial(trial_id)
        with pytest.raises(ValueError, match="not JSON"):
            storage.get_all_trials(study_id)
        client.hset(f"{prefix}:study:{study_id}:user_attrs", "evil", payload)
        with pytest.raises(ValueError, match="not JSON"):
            storage.get_study_user_attrs(study_id)
        client.hset(f"{prefix}:trial:{trial_id}", "state", "not-a-state")
        client.hdel(f"{prefix}:trial:{trial_id}", "u:evil")
        with pytest.raises(ValueError, match="not a valid trial"):
            storage.get_trial(trial_id)
    finally:
        client.close()
    assert not marker.exists()
    assert not os.path.exists(str(marker))


def test_readers_fetch_only_trials_changed_since_their_last_read(
    redis_url: str, prefix: str
) -> None:
    writer = RedisStorage(redis_url, prefix=prefix)
    reader = RedisStorage(redis_url, prefix=prefix)
    study_id = writer.create_new_study([StudyDirection.MINIMIZE], "s")
    ids = [writer.create_new_trial(study_id) for _ in range(5)]
    for trial_id in ids:
        writer.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    assert len(reader.get_all_trials(study_id)) == 5
    version = reader._caches[study_id].version

    trial_id = writer.create_new_trial(study_id)
    writer.set_trial_user_attr(trial_id, "k", 1)  # buffered until the writer's next command
    writer.remove_session()
    reply = reader._run("read_changes", study_id, version)
    changed = [int(reply[i]) for i in range(1, len(reply), 2)]
    assert changed == [5]  # only the new trial is sent, not the 5 finished ones
    trials = reader.get_all_trials(study_id, deepcopy=False)
    assert [t.number for t in trials] == list(range(6))
    assert trials[5].user_attrs == {"k": 1}
    assert reader._run("read_changes", study_id, reader._caches[study_id].version) == [
        reader._caches[study_id].version
    ]  # nothing changed: only the counter comes back


def test_buffered_writes_reach_other_readers_with_the_next_command(
    redis_url: str, prefix: str
) -> None:
    from hpo.distributions import FloatDistribution

    writer = RedisStorage(redis_url, prefix=prefix)
    reader = RedisStorage(redis_url, prefix=prefix)
    study_id = writer.create_new_study([StudyDirection.MINIMIZE], "s")
    trial_id = writer.create_new_trial(study_id)
    writer.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
    writer.set_trial_intermediate_value(trial_id, 1, 2.0)
    assert writer.get_trial(trial_id).params == {"x": 0.5}  # the writer reads its own writes
    assert writer.get_trial(trial_id).intermediate_values == {1: 2.0}
    writer.get_all_trials(study_id)  # its next command sends the buffered writes
    got = reader.get_trial(trial_id)
    assert got.params == {"x": 0.5} and got.intermediate_values == {1: 2.0}
    writer.set_trial_user_attr(trial_id, "k", "v")
    writer.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])  # sends both at once
    got = reader.get_trial(trial_id)
    assert got.user_attrs == {"k": "v"} and got.state is TrialState.COMPLETE


# --- heartbeat --------------------------------------------------------------------------------


def _age_heartbeats(redis_url: str, prefix: str, study_id: int, seconds: float) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    key = f"{prefix}:study:{study_id}:beats"
    for member in client.zrange(key, 0, -1):
        client.zincrby(key, -seconds, member)


def test_heartbeat_arguments_are_validated(redis_url: str, prefix: str) -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        RedisStorage(redis_url, prefix=prefix, heartbeat_interval=0)
    with pytest.raises(ValueError, match="grace_period"):
        RedisStorage(redis_url, prefix=prefix, heartbeat_interval=5, grace_period=-1)
    assert RedisStorage(redis_url, prefix=prefix).get_heartbeat_interval() is None
    storage = RedisStorage(redis_url, prefix=prefix, heartbeat_interval=5)
    assert storage.get_heartbeat_interval() == 5
    copy = pickle.loads(pickle.dumps(storage))
    assert (copy.heartbeat_interval, copy.grace_period) == (5, None)


def test_stale_trials_are_failed_once_and_retried_once(redis_url: str, prefix: str) -> None:
    def storage() -> RedisStorage:
        return RedisStorage(
            redis_url,
            prefix=prefix,
            heartbeat_interval=60,
            grace_period=120,
            heartbeat_stale_trial_callback=hpo.storages.RetryHeartbeatStaleTrialCallback(2),
        )

    backend = storage()
    study = hpo.create_study(storage=backend, study_name="hb")
    other_worker = hpo.load_study(study_name="hb", storage=storage())
    dead = study.ask()  # beats once at ask; its worker then "dies"
    dead.suggest_float("x", 0, 1)
    study._stop_heartbeat(dead._trial_id)
    alive = study.ask()
    assert backend._get_stale_trial_ids(study._study_id) == []
    _age_heartbeats(redis_url, prefix, study._study_id, 121)
    backend.record_heartbeat(alive._trial_id)  # the live worker keeps beating
    assert backend._get_stale_trial_ids(study._study_id) == [dead._trial_id]
    hpo.storages.fail_stale_trials(other_worker)
    hpo.storages.fail_stale_trials(study)  # nothing left to fail: no second retry
    trials = other_worker.trials
    assert trials[dead.number].state is TrialState.FAIL
    retries = [t for t in trials if t.state is TrialState.WAITING]
    assert len(retries) == 1 and retries[0].params == {"x": dead.params["x"]}
    study.tell(alive, 1.0)
    other_worker.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert other_worker.trials[-1].params["x"] == dead.params["x"]
    assert other_worker.trials[-1].state is TrialState.COMPLETE
    study._stop_heartbeat(alive._trial_id)


def test_finished_trials_leave_the_heartbeat_set(redis_url: str, prefix: str) -> None:
    import redis

    storage = RedisStorage(redis_url, prefix=prefix, heartbeat_interval=60)
    study = hpo.create_study(storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    assert client.zcard(f"{prefix}:study:{study._study_id}:beats") == 0
    with pytest.raises(KeyError):
        storage.record_heartbeat(10**9)


def test_buffered_writes_of_many_threads_all_land(redis_url: str, prefix: str) -> None:
    # Four threads buffer writes through one storage: every write lands on its trial.
    study = hpo.create_study(
        storage=RedisStorage(redis_url, prefix=prefix), sampler=hpo.samplers.RandomSampler(0)
    )

    def objective(trial: hpo.Trial) -> float:
        value = sum(trial.suggest_float(f"x{i}", 0, 1) for i in range(5))
        for step in range(3):
            trial.report(value, step)
        trial.set_user_attr("done", True)
        return value

    study.optimize(objective, n_trials=200, n_jobs=4)
    trials = RedisStorage(redis_url, prefix=prefix).get_all_trials(study._study_id)
    assert len(trials) == 200
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert all(len(t.params) == 5 and len(t.intermediate_values) == 3 for t in trials)
    assert all(t.user_attrs == {"done": True} for t in trials)


def test_a_write_sent_by_another_thread_lands_before_the_trial_finishes(
    redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from hpo.distributions import FloatDistribution

    storage = RedisStorage(redis_url, prefix=prefix)
    study_id = storage.create_new_study([StudyDirection.MINIMIZE])
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
    assert storage._pending  # buffered, not yet in Redis
    real_pipeline = storage._redis.pipeline
    carrying = threading.Event()

    class SlowPipeline:  # the carrier's round trip takes half a second
        def __init__(self, **kwargs: Any) -> None:
            self._pipe = real_pipeline(**kwargs)

        def __enter__(self) -> SlowPipeline:
            return self

        def __exit__(self, *exc: object) -> None:
            self._pipe.reset()

        def execute_command(self, *args: Any) -> None:
            self._pipe.execute_command(*args)

        def execute(self, **kwargs: Any) -> list:
            carrying.set()
            time.sleep(0.5)
            return self._pipe.execute(**kwargs)

    monkeypatch.setattr(storage._redis, "pipeline", SlowPipeline)
    carrier = threading.Thread(target=storage.get_study_directions, args=(study_id,))
    carrier.start()  # takes the buffered write with its own command
    assert carrying.wait(5)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
    carrier.join()
    trial = RedisStorage(redis_url, prefix=prefix).get_trial(trial_id)
    assert trial.state is TrialState.COMPLETE and trial.params == {"x": 0.5}
