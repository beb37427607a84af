"""Which storage a command works on (``--storage``, ``--storage-class``) and ``storage upgrade``."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from hpo.exceptions import CLIUsageError

if TYPE_CHECKING:
    from hpo.storages import BaseStorage

ENV_VARS = ("HPO_STORAGE", "OPTUNA_STORAGE")
STORAGE_CLASSES = ("RDBStorage", "JournalFileBackend", "JournalRedisBackend", "RedisStorage")
# Accepted for scripts written for older Optuna; they name the same journal backends.
_OLD_NAMES = {
    "JournalFileStorage": "JournalFileBackend",
    "JournalRedisStorage": "JournalRedisBackend",
}
# hpo's RedisStorage keeps this key (default prefix) once it has held a study; an Optuna-style
# Redis journal keeps the other one (empty prefix).
_REDIS_STORAGE_KEY = "hpo:study_counter"
_REDIS_JOURNAL_KEY = ":log_number"


def storage_class_arg(value: str) -> str:
    """``--storage-class`` parser: a known class name (older journal names are mapped)."""
    value = _OLD_NAMES.get(value, value)
    if value not in STORAGE_CLASSES:
        choices = ", ".join(repr(c) for c in STORAGE_CLASSES)
        raise argparse.ArgumentTypeError(f"invalid choice: {value!r} (choose from {choices})")
    return value


def storage_url(args: argparse.Namespace) -> str:
    """``--storage``, else the first of ``HPO_STORAGE`` / ``OPTUNA_STORAGE`` that is set."""
    if args.storage is not None:
        return args.storage
    for name in ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value
    raise CLIUsageError(
        "No storage given: pass --storage URL or set the HPO_STORAGE (or OPTUNA_STORAGE) "
        "environment variable."
    )


def open_storage(args: argparse.Namespace) -> BaseStorage:
    """The storage that ``--storage`` and ``--storage-class`` name.

    Without a class the URL decides: ``redis…`` is a Redis journal (or hpo's own RedisStorage
    when the database holds one and no journal), an existing file is a journal file, anything
    else a database URL.
    """
    url = storage_url(args)
    kind = args.storage_class
    if kind is None:
        if url.startswith("redis"):
            kind = "RedisStorage" if _holds_redis_storage(url) else "JournalRedisBackend"
        elif os.path.isfile(url):
            kind = "JournalFileBackend"
        else:
            kind = "RDBStorage"
            _check_database_url(url, guessed=True)
    if kind == "RDBStorage":
        from hpo.storages import RDBStorage

        return RDBStorage(url)
    if kind == "RedisStorage":
        from hpo.storages import RedisStorage

        return RedisStorage(url)
    from hpo.storages import JournalStorage
    from hpo.storages.journal import JournalFileBackend, JournalRedisBackend

    backend = JournalFileBackend if kind == "JournalFileBackend" else JournalRedisBackend
    return JournalStorage(backend(url))


def _holds_redis_storage(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return bool(client.exists(_REDIS_STORAGE_KEY)) and not client.exists(_REDIS_JOURNAL_KEY)
    finally:
        client.close()


def _check_database_url(url: str, guessed: bool) -> None:
    import sqlalchemy as sa

    from hpo.storages._factory import _mask_password

    try:
        parsed = sa.engine.make_url(url)
        parsed.get_dialect()
    except sa.exc.ArgumentError:
        hint = (
            " It is not an existing journal file or a redis:// URL either; use --storage-class "
            "to say which storage it is."
            if guessed
            else ""
        )
        raise CLIUsageError(f"{_mask_password(url)!r} is not a database URL.{hint}") from None


def storage_upgrade(args: argparse.Namespace) -> int:
    """Bring an RDB storage's schema to this hpo's newest revision (creating it if missing)."""
    from hpo.logging import get_logger
    from hpo.storages._rdb.storage import RDBStorage

    logger = get_logger(__name__)
    url = storage_url(args)
    _check_database_url(url, guessed=False)
    storage = RDBStorage(url, skip_compatibility_check=True, skip_table_creation=True)
    head = storage.get_head_version()
    try:
        current = storage.get_current_version()
    except RuntimeError:  # no hpo tables yet: the migrations create them
        storage.upgrade()
        logger.info(f"Created the hpo tables at revision {head}.")
        return 0
    if current == head:
        logger.info(f"The storage is up to date (revision {head}).")
    elif current in storage.get_all_versions():
        logger.info(f"Upgrading the storage schema from revision {current} to {head}.")
        storage.upgrade()
        logger.info(f"Upgraded the storage to revision {head}.")
    else:
        logger.warning(
            f"The storage is at revision {current}, which this hpo does not know: it was written "
            "by a newer hpo. Upgrade hpo (pip install -U hpo)."
        )
    return 0
