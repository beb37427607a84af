"""The journal in a database: two tables, ``hpo_journal_logs`` and ``hpo_journal_snapshots``."""

from __future__ import annotations

import json
import os
import random
import time
from typing import Any

from hpo import logging
from hpo.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot

_logger = logging.get_logger(__name__)

LOGS_TABLE = "hpo_journal_logs"
SNAPSHOTS_TABLE = "hpo_journal_snapshots"
_MAX_ATTEMPTS = 200


def _normalize_url(url: str) -> Any:
    import importlib.util

    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None:
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "mysql" and importlib.util.find_spec("MySQLdb") is None:
        parsed = parsed.set(drivername="mysql+pymysql")
    return parsed


def _sqlite_wal(dbapi_connection: Any, _: Any) -> None:
    # WAL: readers never block the writer, and a commit costs one fsync instead of several.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class JournalRDBBackend(BaseJournalBackend, BaseJournalSnapshot):
    """A journal in SQLite, PostgreSQL or MySQL, with snapshots.

    Two tables: the operations (``hpo_journal_logs``: log number, JSON text) and the latest
    snapshots (``hpo_journal_snapshots``). An append numbers its operations right after the
    highest committed one; when two writers race for a number the database's primary key lets
    one commit and the other retries, so numbers are dense and a reader never sees a later
    operation before an earlier one. The tables are independent of
    :class:`~hpo.storages.RDBStorage`'s and may live in the same database.

    Args:
        url: An SQLAlchemy URL, e.g. ``sqlite:///journal.db``,
            ``postgresql://user:pw@host/db`` or ``mysql+pymysql://user:pw@host/db``.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._connect()

    def _connect(self) -> None:
        import sqlalchemy as sa
        from sqlalchemy.dialects import mysql

        parsed = _normalize_url(self._url)
        backend = parsed.get_backend_name()
        # Every statement is a transaction of its own: one round trip per read or append.
        kwargs: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
        if backend == "sqlite":
            kwargs["connect_args"] = {"timeout": 60}
        self._engine = sa.create_engine(parsed, **kwargs)
        self._pid = os.getpid()
        if backend == "sqlite":
            sa.event.listen(self._engine, "connect", _sqlite_wal)
        self._text_type = text = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
        blob = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
        metadata = sa.MetaData()
        self._logs = sa.Table(
            LOGS_TABLE,
            metadata,
            sa.Column("log_number", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("data", text, nullable=False),
        )
        self._snapshots = sa.Table(
            SNAPSHOTS_TABLE,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("log_number", sa.BigInteger, nullable=False),
            sa.Column("data", blob, nullable=False),
        )
        self._inserts: dict[int, Any] = {}
        self._select = (
            sa.select(self._logs.c.log_number, self._logs.c.data)
            .where(self._logs.c.log_number >= sa.bindparam("first"))
            .order_by(self._logs.c.log_number)
        )
        for attempt in range(5):
            try:
                metadata.create_all(self._engine)
                break
            except sa.exc.DBAPIError:  # two processes creating the tables at once
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def __getstate__(self) -> dict[str, Any]:
        return {"_url": self._url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._connect()

    def _dispose(self) -> None:
        self._engine.dispose()

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return self._append_and_read([], log_number_from)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self._append_and_read(logs, None)

    def _append_and_read(
        self, logs: list[dict[str, Any]], log_number_from: int | None
    ) -> list[dict[str, Any]]:
        import sqlalchemy as sa

        if self._pid != os.getpid():  # forked: the parent's pooled connections are not ours
            self._engine.dispose(close=False)
            self._pid = os.getpid()
        payloads = [json.dumps(log, separators=(",", ":")) for log in logs]
        for attempt in range(_MAX_ATTEMPTS):
            try:
                with self._engine.connect() as conn:
                    if payloads:
                        conn.execute(self._insert_statement(len(payloads)), self._bind(payloads))
                    if log_number_from is None:
                        return []
                    rows = conn.execute(self._select, {"first": log_number_from}).all()
                break
            except (sa.exc.IntegrityError, sa.exc.OperationalError):
                # Another writer took the number first (or the database reported a lock
                # conflict): nothing was written; number again.
                time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
        else:
            raise RuntimeError(f"Could not append to the journal after {_MAX_ATTEMPTS} attempts.")
        read: list[dict[str, Any]] = []
        expected = log_number_from
        for number, data in rows:
            if number != expected:
                break  # cannot happen with dense numbering; never skip over a hole
            expected += 1
            try:
                read.append(json.loads(data))
            except ValueError:
                # Replaying it raises a clear error; it is never unpickled or evaluated.
                read.append({"op_code": None, "unreadable": str(data)[:80]})
        return read

    @staticmethod
    def _bind(payloads: list[str]) -> dict[str, str]:
        return {f"d{i}": p for i, p in enumerate(payloads)}

    def _insert_statement(self, n: int) -> Any:
        """One INSERT … SELECT numbering ``n`` entries after the highest committed one."""
        import sqlalchemy as sa

        cached = self._inserts.get(n)
        if cached is not None:
            return cached
        logs = self._logs
        base = sa.select(sa.func.coalesce(sa.func.max(logs.c.log_number), -1) + 1)
        rows = sa.union_all(
            *[
                sa.select(
                    sa.literal(i, sa.BigInteger).label("i"),
                    sa.cast(sa.bindparam(f"d{i}"), self._text_type).label("data"),
                )
                for i in range(n)
            ]
        ).subquery()
        select = sa.select(base.scalar_subquery() + rows.c.i, rows.c.data)
        statement = sa.insert(logs).from_select(["log_number", "data"], select)
        if len(self._inserts) < 64:
            self._inserts[n] = statement
        return statement

    def save_snapshot(self, snapshot: bytes) -> None:
        import sqlalchemy as sa

        try:
            log_number = int(json.loads(snapshot).get("log_number", 0))
        except (ValueError, AttributeError):
            log_number = 0
        try:
            with self._engine.connect() as conn:
                new_id = conn.execute(
                    sa.insert(self._snapshots).values(log_number=log_number, data=snapshot)
                ).inserted_primary_key[0]
                conn.execute(sa.delete(self._snapshots).where(self._snapshots.c.id < new_id))
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as err:
            _logger.debug(f"Skipped saving a journal snapshot: {err}")

    def load_snapshot(self) -> bytes | None:
        import sqlalchemy as sa

        query = sa.select(self._snapshots.c.data).order_by(self._snapshots.c.id.desc()).limit(1)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else bytes(row[0])
