"""Fixtures for the storage tests."""

from __future__ import annotations

# Fresh PostgreSQL / MySQL databases per session for the RDB tests (issue #4).
from tests.storages._rdb_databases import rdb_mysql_url, rdb_postgres_url  # noqa: F401
