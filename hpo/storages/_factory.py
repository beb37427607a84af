"""Turn what the user passed as ``storage`` into a BaseStorage."""

from __future__ import annotations

from hpo.storages._base import BaseStorage
from hpo.storages._in_memory import InMemoryStorage

_RDB_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def get_storage(storage: None | str | BaseStorage) -> BaseStorage:
    """Return a storage for ``storage``.

    Args:
        storage: ``None`` for a new :class:`InMemoryStorage`; a storage object, returned as is; or a
            URL: ``sqlite:///…``, ``postgresql://…``, ``mysql+pymysql://…`` give an
            :class:`~hpo.storages.RDBStorage` behind the finished-trial cache, ``redis://…`` a
            :class:`~hpo.storages.RedisStorage`.

    Raises:
        ValueError: The URL's scheme names no storage hpo has.
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if not isinstance(storage, str):
        raise TypeError(
            f"`storage` must be None, a URL string or a BaseStorage, but got {type(storage).__name__}."
        )
    scheme = storage.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme in _RDB_SCHEMES:
        from hpo.storages._cached_storage import _CachedStorage
        from hpo.storages._rdb.storage import RDBStorage

        return _CachedStorage(RDBStorage(storage))
    if scheme in ("redis", "rediss", "unix"):
        from hpo.storages._redis import RedisStorage

        return RedisStorage(storage)
    raise ValueError(
        f"Unknown storage URL scheme {scheme!r} in {_mask_password(storage)!r}. Use sqlite:///PATH, "
        "postgresql://…, mysql+pymysql://… or redis://…, or pass a BaseStorage such as "
        "hpo.storages.JournalStorage(hpo.storages.journal.JournalFileBackend(PATH))."
    )


def _mask_password(url: str) -> str:
    """Replace the password of ``scheme://user:password@host`` with ``***``."""
    head, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, at, host = rest.rpartition("@")
    if ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{head}://{user}:***@{host}"
