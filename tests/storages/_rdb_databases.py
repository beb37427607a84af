"""Throw-away databases for the RDB tests: one fresh database per test session and server.

Tests on PostgreSQL and MySQL run in a database ``hpo_test_<random>`` created at first use and
dropped at the end of the session, so they never see (or disturb) other tests' tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import MYSQL_URL, POSTGRES_URL, require_service


def _admin_url(url: str) -> sa.URL:
    from hpo.storages._rdb._engine import normalize_url

    return normalize_url(url)


def _fresh_database(server_url: str) -> Iterator[str]:
    admin = _admin_url(server_url)
    name = f"hpo_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        drop = f"DROP DATABASE IF EXISTS {name}"
        if admin.get_backend_name() == "postgresql":
            drop += " WITH (FORCE)"
        with engine.connect() as conn:
            conn.exec_driver_sql(drop)
        engine.dispose()


@pytest.fixture(scope="session")
def rdb_postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database (skips when the server is unreachable)."""
    yield from _fresh_database(require_service("PostgreSQL", POSTGRES_URL))


@pytest.fixture(scope="session")
def rdb_mysql_url() -> Iterator[str]:
    """URL of a fresh MySQL/MariaDB database (skips when the server is unreachable)."""
    yield from _fresh_database(require_service("MySQL", MYSQL_URL))


def dispose_on_teardown(request: pytest.FixtureRequest, storage: object) -> None:
    """Close the pools of an RDBStorage (or the one inside a cache) when the test ends."""
    backend = getattr(storage, "_backend", storage)

    def close() -> None:
        backend.engine.dispose()
        backend._ac_engine.dispose()

    request.addfinalizer(close)
