"""The journal in Redis: ``<prefix>:log_number`` counts, ``<prefix>:log:<n>`` holds entry n."""

from __future__ import annotations

import json
import time
from typing import Any

from hpo import logging
from hpo._deprecated import deprecated_class, experimental_class
from hpo.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot

_logger = logging.get_logger(__name__)

# ARGV: prefix, first log number to read, entries to append... -> {last log number, entries}.
# Appending numbers the entries atomically (contiguous numbers); then the entries from the first
# number asked on (at most 1000 of them; -1 reads none) are returned, in one round trip.
_APPEND_AND_READ = """
local key = ARGV[1] .. ':log_number'
if #ARGV > 2 and redis.call('exists', key) == 0 then redis.call('set', key, -1) end
for i = 3, #ARGV do
    local n = redis.call('incr', key)
    redis.call('set', ARGV[1] .. ':log:' .. n, ARGV[i])
end
local last = tonumber(redis.call('get', key) or '-1')
local first = tonumber(ARGV[2])
local out = {}
if first < 0 then return {last, out} end
for n = first, math.min(last, first + 999) do
    out[#out + 1] = redis.call('get', ARGV[1] .. ':log:' .. n) or false
end
return {last, out}
"""


@experimental_class("3.1.0")
class JournalRedisBackend(BaseJournalBackend, BaseJournalSnapshot):
    """A journal in Redis, with snapshots.

    The keys are Optuna's (``<prefix>:log_number`` and ``<prefix>:log:<n>``), so Optuna and hpo
    share a Redis journal. Snapshots are JSON under ``<prefix>:hpo_snapshot``; Optuna's pickled
    ``<prefix>:snapshot`` is never read.

    Args:
        url: The Redis URL, e.g. ``redis://localhost:6379/0``.
        use_cluster: ``True`` for a Redis cluster: entries are then numbered and stored in two
            steps (not atomically), and a reader waits for an entry that is numbered but not yet
            stored.
        prefix: A prefix for the keys, to share one Redis between several journals.
    """

    def __init__(self, url: str, use_cluster: bool = False, prefix: str = "") -> None:
        self._url = url
        self._use_cluster = use_cluster
        self._prefix = prefix
        self._connect()

    def _connect(self) -> None:
        import redis

        self._redis = redis.Redis.from_url(self._url)
        self._script = self._redis.register_script(_APPEND_AND_READ)

    def __getstate__(self) -> dict[str, Any]:
        return {"_url": self._url, "_use_cluster": self._use_cluster, "_prefix": self._prefix}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._connect()

    def _key(self, log_number: int) -> str:
        return f"{self._prefix}:log:{log_number}"

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        return self._append_and_read([], log_number_from)

    def _append_and_read(
        self, logs: list[dict[str, Any]], log_number_from: int
    ) -> list[dict[str, Any]]:
        payloads = [json.dumps(log, separators=(",", ":")) for log in logs]
        if self._use_cluster:
            self._append_one_by_one(payloads)
            return self._read_one_by_one(log_number_from)
        read: list[dict[str, Any]] = []
        number = log_number_from
        while True:
            last, items = self._script(args=[self._prefix, number, *payloads])
            payloads = []
            for item in items:
                if item is None:
                    item = self._wait_for(number)
                read.append(self._decode(item))
                number += 1
            if number > last:
                return read

    def _read_one_by_one(self, log_number_from: int) -> list[dict[str, Any]]:
        last = self._redis.get(f"{self._prefix}:log_number")
        read: list[dict[str, Any]] = []
        for number in range(log_number_from, int(last or -1) + 1):
            item = self._redis.get(self._key(number)) or self._wait_for(number)
            read.append(self._decode(item))
        return read

    @staticmethod
    def _decode(item: bytes) -> dict[str, Any]:
        try:
            return json.loads(item)
        except ValueError:
            # Replaying it raises a clear error; it is never unpickled or evaluated.
            return {"op_code": None, "unreadable": bytes(item[:80]).decode("latin-1")}

    def _wait_for(self, log_number: int) -> bytes:
        """An entry numbered by a cluster writer that has not stored it yet."""
        delay = 0.001
        deadline = time.monotonic() + 30
        while True:
            item = self._redis.get(self._key(log_number))
            if item is not None:
                return item
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"Journal entry {self._key(log_number)} was numbered but never written."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        if not logs:
            return
        payloads = [json.dumps(log, separators=(",", ":")) for log in logs]
        if self._use_cluster:
            self._append_one_by_one(payloads)
        else:
            self._script(args=[self._prefix, -1, *payloads])  # -1: append only

    def _append_one_by_one(self, payloads: list[str]) -> None:
        """Cluster mode: the keys may live on different nodes, so no script spans them."""
        key = f"{self._prefix}:log_number"
        if payloads:
            self._redis.setnx(key, -1)
        for payload in payloads:
            self._redis.set(self._key(self._redis.incr(key)), payload)

    def save_snapshot(self, snapshot: bytes) -> None:
        self._redis.set(f"{self._prefix}:hpo_snapshot", snapshot)

    def load_snapshot(self) -> bytes | None:
        return self._redis.get(f"{self._prefix}:hpo_snapshot")


@deprecated_class(
    "4.0.0", "6.0.0", text="Use :class:`~hpo.storages.journal.JournalRedisBackend` instead."
)
class JournalRedisStorage(JournalRedisBackend):
    """Deprecated name of :class:`~hpo.storages.journal.JournalRedisBackend`."""
