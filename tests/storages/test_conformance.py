"""Runs the conformance suite (``conformance.py``) against every storage backend.

To add a backend: write a factory ``(request) -> BaseStorage`` (use ``request.getfixturevalue``
for ``tmp_path`` or a server URL fixture from ``tests/conftest.py``) and add it to ``BACKENDS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hpo.storages import BaseStorage, InMemoryStorage
from tests.storages.conformance import *  # noqa: F403  (the suite's tests)

StorageFactory = Callable[[pytest.FixtureRequest], BaseStorage]


def _in_memory(request: pytest.FixtureRequest) -> BaseStorage:
    return InMemoryStorage()


# --- RDB (issue #4): the URL a user passes, i.e. RDBStorage behind the finished-trial cache ---
from tests.storages._rdb_databases import dispose_on_teardown  # noqa: E402


def _rdb(request: pytest.FixtureRequest, url: str) -> BaseStorage:
    from hpo.storages import get_storage

    storage = get_storage(url)
    dispose_on_teardown(request, storage)
    return storage


def _sqlite_file(request: pytest.FixtureRequest) -> BaseStorage:
    return _rdb(request, f"sqlite:///{request.getfixturevalue('tmp_path')}/conformance.db")


def _postgresql(request: pytest.FixtureRequest) -> BaseStorage:
    return _rdb(request, request.getfixturevalue("rdb_postgres_url"))


def _mysql(request: pytest.FixtureRequest) -> BaseStorage:
    return _rdb(request, request.getfixturevalue("rdb_mysql_url"))


BACKENDS: list = [
    pytest.param(_in_memory, id="inmemory"),
    pytest.param(_sqlite_file, id="sqlite"),
    pytest.param(_postgresql, id="postgresql"),
    pytest.param(_mysql, id="mysql"),
]


# --- journal storages and RedisStorage (issue #5) ---
from tests.storages._journal_backends import BACKENDS as _JOURNAL_BACKENDS  # noqa: E402

BACKENDS += _JOURNAL_BACKENDS


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest) -> Iterator[BaseStorage]:
    factory: StorageFactory = request.param
    backend = factory(request)
    yield backend
    backend.remove_session()
