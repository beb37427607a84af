"""Dialect-specific statements, table creation and the schema-version check."""

from __future__ import annotations

import random
import time
from typing import Any

import sqlalchemy as sa

from hpo.storages._rdb import _engine
from hpo.storages._rdb.models import (
    ALL_REVISIONS,
    HEAD_REVISION,
    VERSION_TABLE,
    metadata,
    studies,
    version_table,
)

UPGRADE_HINT = "hpo storage upgrade --storage URL"


def upsert(dialect: str, table: sa.Table, values: dict[str, Any], update: dict[str, Any]) -> Any:
    """INSERT that overwrites ``update`` columns when the primary key exists."""
    pk = [c.name for c in table.primary_key.columns]
    if dialect in ("postgresql", "sqlite"):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        make = pg_insert if dialect == "postgresql" else sqlite_insert
        return make(table).values(values).on_conflict_do_update(index_elements=pk, set_=update)
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        return mysql_insert(table).values(values).on_duplicate_key_update(update)
    raise NotImplementedError(f"RDBStorage does not support the {dialect!r} dialect.")


def upsert_from_select(
    dialect: str, table: sa.Table, columns: list[str], select: sa.Select, update: dict[str, Any]
) -> Any:
    """INSERT … SELECT that overwrites ``update`` columns when the primary key exists."""
    pk = [c.name for c in table.primary_key.columns]
    if dialect in ("postgresql", "sqlite"):
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        make = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = make(table).from_select(columns, select)
        stmt = stmt.on_conflict_do_update(index_elements=pk, set_=update)
        return stmt.execution_options(preserve_rowcount=True)
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(table).from_select(columns, select).on_duplicate_key_update(update)
        return stmt.execution_options(preserve_rowcount=True)
    raise NotImplementedError(f"RDBStorage does not support the {dialect!r} dialect.")


def read_version(engine: sa.Engine) -> str | None:
    """The revision in the version table, or ``None`` when there is no such table or row."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        return conn.execute(sa.select(version_table.c.version_num)).scalar()


def ensure_tables(engine: sa.Engine, url: sa.URL) -> None:
    """Create the tables and stamp the head revision, unless a schema is there already.

    Several processes may open a fresh database at once; the losers of the race see the
    winner's tables on their next look.
    """
    for attempt in range(8):
        try:
            if read_version(engine) is not None:
                return
            with engine.begin() as conn:
                inspector = sa.inspect(conn)
                had_tables = inspector.has_table(studies.name)
                metadata.create_all(conn)
                version_table.create(conn, checkfirst=True)
                if conn.execute(sa.select(version_table.c.version_num)).first() is None:
                    # Tables without a version row were made by `metadata.create_all`; they are
                    # at head only if they were just created here.
                    stamp = HEAD_REVISION if not had_tables else _guess_revision(conn)
                    conn.execute(sa.insert(version_table).values(version_num=stamp))
            return
        except sa.exc.DBAPIError as e:
            if is_connect_failure(e) or attempt == 7:
                raise
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))


def _guess_revision(conn: sa.Connection) -> str:
    columns = {c["name"] for c in sa.inspect(conn).get_columns(studies.name)}
    return HEAD_REVISION if "next_trial_number" in columns else ALL_REVISIONS[-1]


def check_version(engine: sa.Engine, url: sa.URL, raw_url: str) -> None:
    """Refuse a schema that is older (with the upgrade command to run) or newer than ours."""
    current = read_version(engine)
    masked = _engine.mask_url(url)
    if current == HEAD_REVISION:
        return
    if current is None:
        raise RuntimeError(
            f"{masked} holds no hpo tables and `skip_table_creation=True` was passed. Create "
            f"them with `{UPGRADE_HINT}` (URL = {masked})."
        )
    if current in ALL_REVISIONS:
        raise RuntimeError(
            f"The schema of {masked} is at revision {current!r}, older than this hpo's "
            f"{HEAD_REVISION!r}. Run `{UPGRADE_HINT}` (URL = {masked}) to upgrade it."
        )
    raise RuntimeError(
        f"The schema of {masked} is at revision {current!r}, which this hpo does not know: it was "
        "written by a newer hpo. Upgrade hpo to use this database."
    )


def is_connect_failure(error: BaseException) -> bool:
    """Whether ``error`` means the server could not be reached at all."""
    orig = getattr(error, "orig", error)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in (2002, 2003, 2005)
    text = str(orig).lower()
    return any(
        s in text
        for s in (
            "connection refused",
            "could not connect",
            "timeout expired",
            "connection failed",
            "unable to open database file",
            "could not translate host",
            "name or service",
        )
    )
