"""A throw-away PostgreSQL schema per test for JournalRDBBackend (cheaper than a database)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest


def fresh_database(request: pytest.FixtureRequest, server_url: str) -> str:
    """Create a schema on the server, return a URL whose search_path is that schema, and drop
    the schema when the test ends."""
    import sqlalchemy as sa

    from hpo.storages.journal._rdb import _normalize_url

    schema = f"hpo_journal_{uuid.uuid4().hex[:10]}"
    url = _normalize_url(server_url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        engine.dispose()

    request.addfinalizer(drop)
    rendered = url.render_as_string(hide_password=False)
    separator = "&" if "?" in rendered else "?"
    return f"{rendered}{separator}options={quote(f'-csearch_path={schema}')}"
