"""A key that names one study in one live storage object, for per-study caches."""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hpo.study import Study

_tokens: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
_strong: dict[int, tuple[object, int]] = {}
_counter = itertools.count()
_lock = threading.Lock()


def storage_token(storage: object) -> int:
    """Return a number unique to ``storage`` for the life of the process.

    Unlike ``id()``, a token is never handed to a later object after ``storage`` is freed,
    so a cache keyed by it cannot mistake a new storage for an old one.
    """
    with _lock:
        try:
            token = _tokens.get(storage)
            if token is None:
                token = _tokens[storage] = next(_counter)
            return token
        except TypeError:  # unhashable or not weak-referenceable: keep it alive instead
            entry = _strong.get(id(storage))
            if entry is None or entry[0] is not storage:
                entry = _strong[id(storage)] = (storage, next(_counter))
            return entry[1]


def study_key(study: Study) -> tuple[int, int]:
    """Return ``(storage token, study id)``: equal only for the same study in the same storage."""
    return storage_token(study._storage), study._study_id
