"""Storages keep studies and trials. See :class:`BaseStorage` for the contract.

``InMemoryStorage`` is the default. ``RDBStorage`` (SQLite, PostgreSQL, MySQL), ``JournalStorage``
(file, Redis, RDB backends) and ``RedisStorage`` share a study between processes and machines.
Heavy backends are imported on first use, so ``import hpo`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from hpo.storages._base import BaseStorage
from hpo.storages._callbacks import RetryFailedTrialCallback, RetryHeartbeatStaleTrialCallback
from hpo.storages._factory import get_storage
from hpo.storages._heartbeat import BaseHeartbeat, fail_stale_trials
from hpo.storages._in_memory import InMemoryStorage

_LAZY = {
    "RDBStorage": ("hpo.storages._rdb.storage", "RDBStorage"),
    "_CachedStorage": ("hpo.storages._cached_storage", "_CachedStorage"),
    "RedisStorage": ("hpo.storages._redis", "RedisStorage"),
    "JournalStorage": ("hpo.storages.journal._storage", "JournalStorage"),
    "JournalFileStorage": ("hpo.storages.journal._file", "JournalFileStorage"),
    "JournalRedisStorage": ("hpo.storages.journal._redis", "JournalRedisStorage"),
    "JournalFileSymlinkLock": ("hpo.storages.journal._file", "DeprecatedJournalFileSymlinkLock"),
    "JournalFileOpenLock": ("hpo.storages.journal._file", "DeprecatedJournalFileOpenLock"),
    "BaseJournalLogStorage": ("hpo.storages.journal._base", "BaseJournalLogStorage"),
    "journal": ("hpo.storages.journal", None),
}

__all__ = [
    "BaseHeartbeat",
    "BaseJournalLogStorage",
    "BaseStorage",
    "InMemoryStorage",
    "JournalFileOpenLock",
    "JournalFileStorage",
    "JournalFileSymlinkLock",
    "JournalRedisStorage",
    "JournalStorage",
    "RDBStorage",
    "RedisStorage",
    "RetryFailedTrialCallback",
    "RetryHeartbeatStaleTrialCallback",
    "fail_stale_trials",
    "get_storage",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hpo.storages' has no attribute {name!r}")
    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value
