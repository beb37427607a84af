"""Journal storage: an append-only log of operations, replayed by every reader.

``JournalStorage`` works over a backend: a file (:class:`JournalFileBackend`), Redis
(:class:`JournalRedisBackend`) or a database (:class:`JournalRDBBackend`). Backends are imported on
first use, so this package stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from hpo.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot
from hpo.storages.journal._file import (
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)
from hpo.storages.journal._storage import JournalStorage

_LAZY = {
    "JournalRedisBackend": "hpo.storages.journal._redis",
    "JournalRDBBackend": "hpo.storages.journal._rdb",
}

__all__ = [
    "BaseJournalBackend",
    "BaseJournalSnapshot",
    "JournalFileBackend",
    "JournalFileOpenLock",
    "JournalFileSymlinkLock",
    "JournalRDBBackend",
    "JournalRedisBackend",
    "JournalStorage",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'hpo.storages.journal' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
