"""Retry a flaky artifact store with exponential backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from hpo import logging
from hpo.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

    from hpo.artifacts._protocol import ArtifactStore

_logger = logging.get_logger(__name__)
_sleep = time.sleep  # tests replace it to run without waiting

T = TypeVar("T")


class Backoff:
    """Wrap an artifact store so that failed calls are retried after growing pauses.

    Every exception except :class:`~hpo.artifacts.exceptions.ArtifactNotFound` is retried (as
    in Optuna); after ``max_retries`` attempts the last error is raised. The pause after the
    ``n``-th failed attempt (``n`` from 0) is ``min(min_delay * multiplier**n, max_delay)``
    seconds: with the defaults 0.1, 0.2, 0.4, …, 25.6, 30 s. Before retrying a ``write`` the
    content is rewound to where the first attempt started reading.

    Args:
        backend: The artifact store to wrap.
        max_retries: Attempts in total per call (at least 1).
        multiplier: Growth factor of the pause between attempts (positive).
        min_delay: The first pause, in seconds (positive).
        max_delay: The longest pause, in seconds (greater than ``min_delay``).

    Raises:
        ValueError: An argument is out of range.

    Example:
        >>> import tempfile
        >>> from hpo.artifacts import Backoff, FileSystemArtifactStore
        >>> store = Backoff(FileSystemArtifactStore(tempfile.mkdtemp()), max_retries=3)
    """

    def __init__(
        self,
        backend: ArtifactStore,
        *,
        max_retries: int = 10,
        multiplier: float = 2,
        min_delay: float = 0.1,
        max_delay: float = 30,
    ) -> None:
        if max_retries < 1:
            raise ValueError(f"max_retries must be at least 1, got {max_retries}.")
        if not multiplier > 0:
            raise ValueError(f"multiplier must be positive, got {multiplier}.")
        if not min_delay > 0:
            raise ValueError(f"min_delay must be positive, got {min_delay}.")
        if not max_delay > min_delay:
            raise ValueError(
                f"max_delay must be greater than min_delay, got {max_delay} <= {min_delay}."
            )
        self._backend = backend
        self._max_retries = max_retries
        self._multiplier = multiplier
        self._min_delay = min_delay
        self._max_delay = max_delay

    def _delay(self, n_failed: int) -> float:
        return min(self._min_delay * self._multiplier**n_failed, self._max_delay)

    def _retry(
        self, action: str, artifact_id: str, call: Callable[[], T], rewind: Callable[[], None]
    ) -> T:
        for attempt in range(self._max_retries):
            try:
                return call()
            except ArtifactNotFound:
                raise
            except Exception as e:
                if attempt == self._max_retries - 1:
                    raise
                _logger.error(
                    f"Failed to {action} artifact={artifact_id} (attempt {attempt + 1} of "
                    f"{self._max_retries}); retrying.",
                    exc_info=e,
                )
            _sleep(self._delay(attempt))
            rewind()
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact through the wrapped store, retrying on errors."""
        return self._retry(
            "open", artifact_id, lambda: self._backend.open_reader(artifact_id), lambda: None
        )

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Write the artifact through the wrapped store, retrying on errors."""
        try:
            start = content_body.tell()
        except (AttributeError, OSError):
            # Not seekable: a retry would store only what the failed attempt left unread.
            self._backend.write(artifact_id, content_body)
            return

        def rewind() -> None:
            content_body.seek(start)

        self._retry(
            "write", artifact_id, lambda: self._backend.write(artifact_id, content_body), rewind
        )

    def remove(self, artifact_id: str) -> None:
        """Remove the artifact through the wrapped store, retrying on errors."""
        self._retry("remove", artifact_id, lambda: self._backend.remove(artifact_id), lambda: None)
