"""Factories for the journal storages and RedisStorage, used by the conformance suite and the
journal/Redis tests. Redis keys get a unique prefix per test and are deleted at teardown."""

from __future__ import annotations

import uuid

import pytest

from hpo.storages import BaseStorage


def redis_prefix() -> str:
    return f"hpo-test-{uuid.uuid4().hex[:12]}"


def delete_redis_keys(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def journal_file(request: pytest.FixtureRequest) -> BaseStorage:
    from hpo.storages.journal import JournalFileBackend, JournalStorage

    path = request.getfixturevalue("tmp_path") / "journal.log"
    return JournalStorage(JournalFileBackend(str(path)), snapshot_interval=7)


def journal_redis(request: pytest.FixtureRequest) -> BaseStorage:
    from hpo.storages.journal import JournalRedisBackend, JournalStorage

    url = request.getfixturevalue("redis_url")
    prefix = redis_prefix()
    request.addfinalizer(lambda: delete_redis_keys(url, prefix))
    return JournalStorage(JournalRedisBackend(url, prefix=prefix), snapshot_interval=7)


def _journal_rdb(request: pytest.FixtureRequest, url: str) -> BaseStorage:
    from hpo.storages.journal import JournalRDBBackend, JournalStorage

    backend = JournalRDBBackend(url)
    request.addfinalizer(backend._dispose)
    return JournalStorage(backend, snapshot_interval=7)


def journal_sqlite(request: pytest.FixtureRequest) -> BaseStorage:
    return _journal_rdb(request, f"sqlite:///{request.getfixturevalue('tmp_path')}/journal.db")


def journal_postgres(request: pytest.FixtureRequest) -> BaseStorage:
    from tests.storages._journal_db import fresh_database

    return _journal_rdb(request, fresh_database(request, request.getfixturevalue("postgres_url")))


def journal_mysql(request: pytest.FixtureRequest) -> BaseStorage:
    from tests.storages._rdb_databases import _fresh_database

    database = _fresh_database(request.getfixturevalue("mysql_url"))
    request.addfinalizer(lambda: next(database, None))  # drops the database
    return _journal_rdb(request, next(database))


def redis_storage(request: pytest.FixtureRequest, **settings: object) -> BaseStorage:
    from hpo.storages import RedisStorage

    url = request.getfixturevalue("redis_url")
    prefix = redis_prefix()
    request.addfinalizer(lambda: delete_redis_keys(url, prefix))
    return RedisStorage(url, prefix=prefix, **settings)  # type: ignore[arg-type]


def redis_storage_with_heartbeat(request: pytest.FixtureRequest) -> BaseStorage:
    """With heartbeats on, RedisStorage writes through instead of buffering: test both paths."""
    return redis_storage(request, heartbeat_interval=60)


BACKENDS = [
    pytest.param(journal_file, id="journal-file"),
    pytest.param(journal_redis, id="journal-redis"),
    pytest.param(journal_sqlite, id="journal-sqlite"),
    pytest.param(journal_postgres, id="journal-postgresql"),
    pytest.param(journal_mysql, id="journal-mysql"),
    pytest.param(redis_storage, id="redis"),
    pytest.param(redis_storage_with_heartbeat, id="redis-heartbeat"),
]
