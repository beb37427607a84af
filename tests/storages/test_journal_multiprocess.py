"""4 processes × 100 trials on one study, for every journal backend and RedisStorage."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from typing import Any

import pytest

import hpo
from hpo.trial import TrialState
from tests.storages._journal_backends import delete_redis_keys, redis_prefix

N_PROCESSES = 4
N_TRIALS = 100
N_ENQUEUED = 20


def _make_storage(spec: tuple[str, str, str]) -> Any:
    from hpo.storages import JournalStorage, RedisStorage, journal

    kind, location, prefix = spec
    if kind == "file":
        return JournalStorage(journal.JournalFileBackend(location))
    if kind == "journal-redis":
        return JournalStorage(journal.JournalRedisBackend(location, prefix=prefix))
    if kind == "journal-rdb":
        return JournalStorage(journal.JournalRDBBackend(location))
    return RedisStorage(location, prefix=prefix)


def _objective(trial: Any) -> float:
    trial.set_user_attr("pid", os.getpid())
    return trial.suggest_float("x", 0, 1)


def _work(spec: tuple[str, str, str], queue: Any) -> None:
    try:
        hpo.logging.set_verbosity(hpo.logging.WARNING)
        study = hpo.load_study(study_name="mp", storage=_make_storage(spec))
        study.optimize(_objective, n_trials=N_TRIALS)
        queue.put(None)
    except BaseException as err:  # reported by the parent
        queue.put(repr(err))


def _run(spec: tuple[str, str, str]) -> None:
    study = hpo.create_study(study_name="mp", storage=_make_storage(spec))
    enqueued = [(i + 0.5) / 1000 for i in range(N_ENQUEUED)]
    for x in enqueued:
        study.enqueue_trial({"x": x})
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_work, args=(spec, queue)) for _ in range(N_PROCESSES)]
    for w in workers:
        w.start()
    errors = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert errors == [None] * N_PROCESSES

    trials = hpo.load_study(study_name="mp", storage=_make_storage(spec)).trials
    assert [t.number for t in trials] == list(range(N_PROCESSES * N_TRIALS))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    counts = Counter(t.params["x"] for t in trials)
    assert all(counts[x] == 1 for x in enqueued)  # every enqueued trial ran exactly once
    assert len({t.user_attrs["pid"] for t in trials}) == N_PROCESSES


def test_journal_file(tmp_path: Any) -> None:
    _run(("file", str(tmp_path / "journal.log"), ""))


def test_journal_redis(redis_url: str) -> None:
    prefix = redis_prefix()
    try:
        _run(("journal-redis", redis_url, prefix))
    finally:
        delete_redis_keys(redis_url, prefix)


def test_journal_sqlite(tmp_path: Any) -> None:
    _run(("journal-rdb", f"sqlite:///{tmp_path}/journal.db", ""))


def test_journal_postgresql(request: pytest.FixtureRequest, postgres_url: str) -> None:
    from tests.storages._journal_db import fresh_database

    _run(("journal-rdb", fresh_database(request, postgres_url), ""))


def test_redis_storage(redis_url: str) -> None:
    prefix = redis_prefix()
    try:
        _run(("redis", redis_url, prefix))
    finally:
        delete_redis_keys(redis_url, prefix)


def _optimize_inherited(study: Any, queue: Any) -> None:
    try:
        study.optimize(_objective, n_trials=20)
        queue.put(None)
    except BaseException as err:  # reported by the parent
        queue.put(repr(err))


def test_storage_object_inherited_by_forked_workers(tmp_path: Any) -> None:
    """Children forked from a process that already used the storage get worker ids of their
    own (otherwise each would take the others' operations for its own)."""
    storage = _make_storage(("file", str(tmp_path / "journal.log"), ""))
    study = hpo.create_study(study_name="mp", storage=storage)
    study.enqueue_trial({"x": 0.5})
    assert len(study.trials) == 1  # the parent has used this storage object
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_optimize_inherited, args=(study, queue)) for _ in range(3)]
    for w in workers:
        w.start()
    errors = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert errors == [None] * 3
    trials = hpo.load_study(
        study_name="mp", storage=_make_storage(("file", storage._backend._file_path, ""))
    ).trials
    assert [t.number for t in trials] == list(range(60))
    assert all(t.state is TrialState.COMPLETE for t in trials)
    assert [t.params["x"] for t in trials].count(0.5) == 1
