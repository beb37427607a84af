"""The journal in a file: one JSON operation per line, appended under a lock file, fsynced."""

from __future__ import annotations

import abc
import json
import os
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hpo import logging
from hpo._deprecated import deprecated_class
from hpo.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot

_logger = logging.get_logger(__name__)

_SCAN = json.JSONDecoder().scan_once
LOCK_FILE_SUFFIX = ".lock"
RENAME_FILE_SUFFIX = ".rename"
SNAPSHOT_FILE_SUFFIX = ".hpo-snapshot"


class BaseJournalFileLock(abc.ABC):
    """A lock shared by processes through the file system."""

    @abc.abstractmethod
    def acquire(self) -> bool:
        """Block until the lock is held; return ``True``."""

    @abc.abstractmethod
    def release(self) -> None:
        """Release the lock. Raises RuntimeError if this process does not hold it."""


class _LockFile(BaseJournalFileLock):
    """Shared machinery: create ``<file>.lock`` exclusively; break it after the grace period."""

    def __init__(self, filepath: str, grace_period: int | None = 30) -> None:
        if grace_period is not None:
            if grace_period <= 0:
                raise ValueError(
                    f"`grace_period` must be a positive number of seconds, but got {grace_period}."
                )
            if grace_period < 3:
                warnings.warn(
                    f"`grace_period`={grace_period} might be too small: a lock held by a slow "
                    "writer may be broken.",
                    stacklevel=3,
                )
        self._lock_target_file = filepath
        self._lock_file = filepath + LOCK_FILE_SUFFIX
        self.grace_period = grace_period

    @abc.abstractmethod
    def _try_create(self) -> None:
        """Create the lock file; raise FileExistsError if it exists."""

    def acquire(self) -> bool:
        delay = 0.0002
        seen: tuple[int, int] | None = None
        seen_since = time.monotonic()
        last_warning = seen_since
        while True:
            try:
                self._try_create()
                return True
            except FileExistsError:
                pass
            now = time.monotonic()
            if now - last_warning > 10.0:
                _logger.warning(
                    f"Waiting more than 10 seconds for the lock file {self._lock_file}; retrying."
                )
                last_warning = now
            if self.grace_period is not None:
                try:
                    st = os.lstat(self._lock_file)
                except FileNotFoundError:
                    continue
                identity = (st.st_ino, st.st_mtime_ns)
                if identity != seen:
                    seen, seen_since = identity, now
                elif now - seen_since > self.grace_period:
                    self._break(identity)
                    seen = None
                    delay = 0.0002
                    continue
            time.sleep(delay)
            delay = min(delay * 2, 0.002)  # short: a waiter should not oversleep a free lock

    def _break(self, identity: tuple[int, int]) -> None:
        _logger.warning(
            f"The lock file {self._lock_file} has been held for more than {self.grace_period} "
            "seconds (its holder probably died); breaking it."
        )
        moved = self._lock_file + str(uuid.uuid4()) + RENAME_FILE_SUFFIX
        try:
            os.rename(self._lock_file, moved)
        except OSError:
            return  # someone else broke or released it
        try:
            st = os.lstat(moved)
            if (st.st_ino, st.st_mtime_ns) != identity:
                # A fresh lock was taken between our check and the rename: give it back.
                try:
                    os.link(moved, self._lock_file, follow_symlinks=False)
                except OSError:
                    pass
        finally:
            os.unlink(moved)

    def release(self) -> None:
        moved = self._lock_file + str(uuid.uuid4()) + RENAME_FILE_SUFFIX
        try:
            os.rename(self._lock_file, moved)
        except OSError:
            raise RuntimeError(
                f"Releasing {self._lock_file}, but this process did not hold it."
            ) from None
        os.unlink(moved)


class JournalFileSymlinkLock(_LockFile):
    """A lock for the journal file made with ``symlink(2)``, atomic also on old NFS.

    Args:
        filepath: The journal file the lock protects; the lock is ``<filepath>.lock``.
        grace_period: Seconds after which a lock that has not changed is considered left by a
            dead process and broken; ``None`` never breaks it.
    """

    def _try_create(self) -> None:
        os.symlink(self._lock_target_file, self._lock_file)


class JournalFileOpenLock(_LockFile):
    """A lock for the journal file made with ``open(O_CREAT | O_EXCL)`` (NFSv3 or later).

    Use it where symbolic links are not allowed (e.g. Windows without the privilege to create
    them).

    Args:
        filepath: The journal file the lock protects; the lock is ``<filepath>.lock``.
        grace_period: Seconds after which a lock that has not changed is considered left by a
            dead process and broken; ``None`` never breaks it.
    """

    def _try_create(self) -> None:
        os.close(os.open(self._lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY))


@contextmanager
def get_lock_file(lock_obj: BaseJournalFileLock) -> Iterator[None]:
    lock_obj.acquire()
    try:
        yield
    finally:
        try:
            lock_obj.release()
        except RuntimeError as err:
            _logger.warning(f"{err} It was broken by another process after its grace period.")


class JournalFileBackend(BaseJournalBackend, BaseJournalSnapshot):
    """A journal in a file, one JSON operation per line; works on NFS (no ``fcntl`` locks).

    Appends take the lock, write whole lines and ``fsync`` before releasing it. Readers need no
    lock: they read complete lines only. A line left incomplete by a writer killed mid-write is
    ended by the next writer (so nothing after it is lost) and skipped by readers with a warning.
    Snapshots go to ``<file_path>.hpo-snapshot`` (JSON, replaced atomically).

    Args:
        file_path: The journal file; created if missing.
        lock_obj: The lock guarding appends; defaults to a
            :class:`~hpo.storages.journal.JournalFileSymlinkLock` on ``file_path``.
    """

    def __init__(self, file_path: str, lock_obj: BaseJournalFileLock | None = None) -> None:
        self._file_path = os.fspath(file_path)
        self._lock = lock_obj or JournalFileSymlinkLock(self._file_path)
        open(self._file_path, "ab").close()
        self._init_runtime()

    def _init_runtime(self) -> None:
        self._fd: int | None = None
        self._fd_pid = -1
        self._io_lock = threading.Lock()
        self._next_number = 0  # log number of the next complete entry to read
        self._next_offset = 0  # its byte offset
        self._last_offset: int | None = None  # byte offset of entry ``_next_number - 1``
        self._warned: set[int] = set()

    def __getstate__(self) -> dict[str, Any]:
        return {"_file_path": self._file_path, "_lock": self._lock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def _descriptor(self) -> int:
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(self._file_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            self._fd_pid = os.getpid()
        return self._fd

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None and getattr(self, "_fd_pid", -1) == os.getpid():
            try:
                os.close(fd)
            except OSError:
                pass

    # --- reading ------------------------------------------------------------------------------

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        if log_number_from < 0:
            raise ValueError(f"`log_number_from` must be non-negative, but got {log_number_from}.")
        with self._io_lock:
            if log_number_from == self._next_number - 1 and self._last_offset is not None:
                self._next_number, self._next_offset = log_number_from, self._last_offset
            elif log_number_from < self._next_number:
                self._next_number, self._next_offset, self._last_offset = 0, 0, None
            offsets, entries = self._scan()
            if not entries:
                return entries
            skip = max(0, log_number_from - self._next_number)
            self._next_number += len(entries)
            self._last_offset = offsets[-1]
            return entries[skip:] if skip else entries

    def _scan(self) -> tuple[list[int], list[Any]]:
        """Parse the complete lines after ``_next_offset`` and advance it past them.

        Returns the byte offset of every entry and the entries. A last line without a newline is
        being written (or was torn by a crash) and is left for later.
        """
        fd = self._descriptor()
        size = os.fstat(fd).st_size
        if size <= self._next_offset:
            return [], []
        base = self._next_offset
        data = os.pread(fd, size - base, base)
        end = data.rfind(b"\n") + 1
        if end == 0:
            return [], []
        self._next_offset = base + end
        lines = data[:end].split(b"\n")
        lines.pop()  # the empty string after the last newline
        offsets = [base]
        for line in lines[:-1]:
            offsets.append(offsets[-1] + len(line) + 1)
        try:
            text = data[:end].decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and len(text) == end:  # ASCII: string and byte positions agree
            # The C scanner on each line of one decoded string: 3x faster than a json.loads
            # per line, with the same verdict per line.
            entries = []
            position = 0
            for line in lines:
                stop = position + len(line)
                try:
                    entry, parsed_to = _SCAN(text, position)
                except (StopIteration, ValueError):
                    break
                if parsed_to != stop:
                    break
                entries.append(entry)
                position = stop + 1
            else:
                return offsets, entries
        good_offsets, entries = [], []
        for offset, line in zip(offsets, lines):
            try:
                entries.append(json.loads(line))
            except ValueError:
                if line.strip() and offset not in self._warned:
                    self._warned.add(offset)
                    _logger.warning(
                        f"Skipping an unreadable line at byte {offset} of the journal "
                        f"{self._file_path} (a write interrupted by a crash, or not JSON): "
                        f"{line[:80]!r}"
                    )
                continue
            good_offsets.append(offset)
        return good_offsets, entries

    # --- writing ------------------------------------------------------------------------------

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if not logs:
            return
        dumps = json.dumps
        payload = "".join([dumps(log, separators=(",", ":")) + "\n" for log in logs]).encode()
        with self._io_lock:
            fd = self._descriptor()
        with get_lock_file(self._lock):
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                _logger.warning(
                    f"The journal {self._file_path} ends with an incomplete line (a writer was "
                    "killed while appending); it is skipped and the log continues on a new line."
                )
                payload = b"\n" + payload
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)

    # --- snapshots ----------------------------------------------------------------------------

    @property
    def _snapshot_path(self) -> str:
        return self._file_path + SNAPSHOT_FILE_SUFFIX

    def save_snapshot(self, snapshot: bytes) -> None:
        temporary = f"{self._snapshot_path}.{uuid.uuid4().hex}.tmp"
        try:
            with open(temporary, "wb") as f:
                f.write(snapshot)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self._snapshot_path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def load_snapshot(self) -> bytes | None:
        try:
            with open(self._snapshot_path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def _position_hint(self, log_number: int) -> int | None:
        if log_number == self._next_number - 1:
            return self._last_offset
        return None

    def _set_position_hint(self, log_number: int, offset: Any) -> None:
        with self._io_lock:
            if not isinstance(offset, int) or offset < 0 or log_number < 0:
                self._next_number, self._next_offset, self._last_offset = 0, 0, None
                return
            fd = self._descriptor()
            if offset and os.pread(fd, 1, offset - 1) != b"\n":
                return  # not the start of a line: ignore the hint
            self._next_number, self._next_offset, self._last_offset = log_number, offset, None


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~hpo.storages.journal.JournalFileBackend` instead."
)
class JournalFileStorage(JournalFileBackend):
    """Deprecated name of :class:`~hpo.storages.journal.JournalFileBackend`."""


@deprecated_class(
    "4.0.0",
    "6.0.0",
    name="The import path :class:`~hpo.storages.JournalFileOpenLock`",
    text="Use :class:`~hpo.storages.journal.JournalFileOpenLock` instead.",
)
class DeprecatedJournalFileOpenLock(JournalFileOpenLock):
    """Deprecated import path of :class:`~hpo.storages.journal.JournalFileOpenLock`."""


@deprecated_class(
    "4.0.0",
    "6.0.0",
    name="The import path :class:`~hpo.storages.JournalFileSymlinkLock`",
    text="Use :class:`~hpo.storages.journal.JournalFileSymlinkLock` instead.",
)
class DeprecatedJournalFileSymlinkLock(JournalFileSymlinkLock):
    """Deprecated import path of :class:`~hpo.storages.journal.JournalFileSymlinkLock`."""
