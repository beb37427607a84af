"""Engines, URLs, dialect differences and the retry loop of the RDB storage."""

from __future__ import annotations

import importlib.util
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

from hpo.exceptions import StorageInternalError
from hpo.logging import get_logger

_logger = get_logger("hpo.storages._rdb")

T = TypeVar("T")

MAX_ATTEMPTS = 12
CONNECT_TIMEOUT_S = 10
SQLITE_BUSY_TIMEOUT_S = 60
PING_AFTER_IDLE_S = 1.0

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available,
# admin shutdown / crash shutdown / cannot connect now, and the connection-exception class.
_PG_RETRY_STATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}
# MySQL / MariaDB error codes: deadlock, lock wait timeout, server gone, lost connection,
# connection killed, can't connect, client idle timeout.
_MYSQL_RETRY_CODES = {1213, 1205, 2002, 2003, 2006, 2013, 1927, 4031, 1053}


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def normalize_url(url: str) -> sa.URL:
    """Parse ``url`` and pick an installed driver for a bare ``postgresql://`` or ``mysql://``."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as e:
        raise ValueError(f"Invalid storage URL {mask_url(url)!r}: {e}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":  # a common spelling SQLAlchemy rejects
        backend = "postgresql"
        parsed = parsed.set(drivername="postgresql" + (f"+{driver}" if driver else ""))
    if backend == "postgresql" and not driver and not has_module("psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend in ("mysql", "mariadb"):
        if not driver and not has_module("MySQLdb") and has_module("pymysql"):
            parsed = parsed.set(drivername=f"{backend}+pymysql")
        if "charset" not in parsed.query:
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def mask_url(url: str | sa.URL) -> str:
    """Render a URL with its password replaced by ``***``."""
    if isinstance(url, sa.URL):
        return url.render_as_string(hide_password=True)
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        from hpo.storages._factory import _mask_password

        return _mask_password(url)


def mask_text(text: str, url: sa.URL) -> str:
    """Remove the URL's password from ``text`` (e.g. a driver's error message)."""
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def create_engines(url: sa.URL, engine_kwargs: dict[str, Any]) -> tuple[sa.Engine, sa.Engine]:
    """Return ``(transactional engine, autocommit engine)``.

    Single-statement writes and all reads go through the autocommit engine: one round trip each,
    and the server commits the statement by itself. Multi-statement writes use the other one.
    """
    backend = url.get_backend_name()
    kwargs = dict(engine_kwargs)
    connect_args = dict(kwargs.pop("connect_args", {}))
    if backend == "sqlite":
        connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
        connect_args.setdefault("check_same_thread", False)
    else:
        ping_idle = "pool_pre_ping" not in kwargs
        if backend == "postgresql" and url.get_driver_name() in ("psycopg", "psycopg2", "pg8000"):
            connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
        if backend in ("mysql", "mariadb") and url.get_driver_name() in ("pymysql", "mysqldb"):
            connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
            kwargs.setdefault("isolation_level", "READ COMMITTED")
            # Transactions always end in COMMIT or ROLLBACK here; skip the extra round trip.
            kwargs.setdefault("pool_reset_on_return", None)
    kwargs["connect_args"] = connect_args
    tx_engine = sa.create_engine(url, **kwargs)
    ac_kwargs = dict(kwargs, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    ac_engine = sa.create_engine(url, **ac_kwargs)
    if backend == "sqlite":
        _configure_sqlite(tx_engine, transactional=True)
        _configure_sqlite(ac_engine, transactional=False)
    elif ping_idle:
        _ping_idle_connections(tx_engine)
        _ping_idle_connections(ac_engine)
    return tx_engine, ac_engine


def _ping_idle_connections(engine: sa.Engine) -> None:
    """``pool_pre_ping`` for connections idle longer than :data:`PING_AFTER_IDLE_S`.

    A connection the server dropped (restart, idle timeout, ``pg_terminate_backend``) is replaced
    at checkout; a connection used moments ago is trusted, which saves a round trip per
    statement. If it died in between, the statement fails with a disconnect, the pool discards
    every connection older than that, and :func:`run_with_retry` runs the operation again.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["hpo_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("hpo_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
        except Exception as e:
            # The pool retries the checkout with a fresh connection.
            raise sa.exc.DisconnectionError(f"stale pooled connection: {e}") from e


def _configure_sqlite(engine: sa.Engine, transactional: bool) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if transactional:
            # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE instead of pysqlite's
            # deferred BEGIN, so writers queue on the busy timeout instead of failing.
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if transactional:

        @event.listens_for(engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def server_epoch(dialect_name: str) -> sa.ColumnElement[Any]:
    """SQL for the database server's current time in seconds since the epoch."""
    if dialect_name == "postgresql":
        return sa.literal_column("EXTRACT(EPOCH FROM CLOCK_TIMESTAMP())", sa.Double)
    if dialect_name in ("mysql", "mariadb"):
        return sa.literal_column("UNIX_TIMESTAMP(NOW(6))", sa.Double)
    if dialect_name == "sqlite":
        return sa.literal_column("((julianday('now') - 2440587.5) * 86400.0)", sa.Double)
    return sa.bindparam("now_epoch", callable_=time.time, type_=sa.Double)


def is_transient(error: sa.exc.DBAPIError) -> bool:
    """Whether retrying the failed operation on a fresh transaction may succeed."""
    if error.connection_invalidated:
        return True
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(sqlstate, str):
        return sqlstate in _PG_RETRY_STATES or sqlstate.startswith("08")
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0] in _MYSQL_RETRY_CODES
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def run_with_retry(operation: str, url: sa.URL, fn: Callable[[], T]) -> T:
    """Run ``fn``; on deadlocks, serialization failures and dropped connections retry it with
    jittered exponential backoff, then raise :class:`StorageInternalError` naming ``operation``."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            return fn()
        except sa.exc.DBAPIError as e:
            if not is_transient(e):
                raise
            if attempt == MAX_ATTEMPTS - 1:
                raise StorageInternalError(
                    f"{operation} failed on {mask_url(url)} after {MAX_ATTEMPTS} attempts: "
                    f"{mask_text(str(e.orig), url)}"
                ) from e
            delay = min(1.0, 0.005 * 2**attempt) * random.uniform(0.5, 1.5)
            _logger.debug("%s: transient error (%s); retrying in %.3f s", operation, e.orig, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def connection_error(url: sa.URL, error: BaseException) -> StorageInternalError:
    """A clear error for a database that cannot be reached."""
    where = f"host {url.host or 'localhost'!r}, port {url.port or 'default'}"
    if url.get_backend_name() == "sqlite":
        where = f"file {url.database!r}"
    return StorageInternalError(
        f"Could not connect to the database {mask_url(url)} ({where}): "
        f"{mask_text(str(getattr(error, 'orig', error)), url)}"
    )
