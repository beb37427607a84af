"""Alembic environment of hpo's RDB schema.

``hpo storage upgrade --storage URL`` (or ``RDBStorage.upgrade()``) runs it with an open
connection in ``config.attributes["connection"]``; plain ``alembic -c migrations/alembic.ini``
works too, with ``sqlalchemy.url`` set in the ini file or via ``-x url=...``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from hpo.storages._rdb.models import VERSION_TABLE, metadata

config = context.config


def _configure(**kwargs: object) -> None:
    context.configure(target_metadata=metadata, version_table=VERSION_TABLE, **kwargs)


def _url() -> str:
    from hpo.storages._rdb._engine import normalize_url

    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError("No database URL: pass -x url=... or set sqlalchemy.url.")
    return normalize_url(url).render_as_string(hide_password=False)


def _run(connection: sa.Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        engine = sa.create_engine(_url(), poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
