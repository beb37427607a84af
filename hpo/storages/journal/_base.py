"""The two interfaces a journal backend implements: an append-only log, and (optionally) snapshots."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any

from hpo._deprecated import deprecated_class


class BaseJournalBackend(abc.ABC):
    """An append-only log of JSON operations shared by many processes.

    Log numbers start at 0 and are dense. Implementations must be process-safe: many processes
    call :meth:`read_logs` and :meth:`append_logs` at once, and every reader sees the same
    operations in the same order. A backend without a built-in mutual exclusion can guard its
    appends with :class:`~hpo.storages.journal.JournalFileSymlinkLock` or
    :class:`~hpo.storages.journal.JournalFileOpenLock`.
    """

    @abc.abstractmethod
    def read_logs(self, log_number_from: int) -> Iterable[dict[str, Any]]:
        """Return the operations whose log number is ``log_number_from`` or more, in log order.

        Args:
            log_number_from: A non-negative log number; ``0`` reads the whole log.
        """

    @abc.abstractmethod
    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        """Append JSON-serialisable operations, keeping their order and contiguity.

        Args:
            logs: The operations to append.
        """


class BaseJournalSnapshot(abc.ABC):
    """A backend that can also keep the latest snapshot of the replayed state.

    :class:`~hpo.storages.JournalStorage` stores snapshots as UTF-8 JSON (never pickle): a
    snapshot read back is only ever parsed as JSON, so a hostile writer cannot run code in a
    reader through it.
    """

    @abc.abstractmethod
    def save_snapshot(self, snapshot: bytes) -> None:
        """Store ``snapshot``, replacing the previous one.

        Args:
            snapshot: The serialized snapshot.
        """

    @abc.abstractmethod
    def load_snapshot(self) -> bytes | None:
        """Return the latest snapshot, or ``None`` if none was saved."""


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~hpo.storages.journal.BaseJournalBackend` instead."
)
class BaseJournalLogStorage(BaseJournalBackend):
    """Deprecated name of :class:`~hpo.storages.journal.BaseJournalBackend`."""
