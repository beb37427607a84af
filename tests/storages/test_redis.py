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
