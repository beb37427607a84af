"""The log plumbing of JournalStorage: replay, buffered appends, snapshots."""

from __future__ import annotations

import datetime
import json
import os
import threading
import uuid
import weakref
from typing import Any

from hpo import logging
from hpo.exceptions import UpdateFinishedTrialError
from hpo.storages.journal._base import BaseJournalBackend, BaseJournalSnapshot
from hpo.storages.journal._replay import ReplayState, StudyState
from hpo.storages.journal._snapshot import dump_snapshot, load_snapshot
from hpo.trial._frozen import FrozenTrial

_logger = logging.get_logger(__name__)

_UTC = datetime.timezone.utc


def _now() -> str:
    return datetime.datetime.now(tz=_UTC).isoformat(timespec="microseconds")


def _flush_at_exit(backend: BaseJournalBackend, pending: list[dict[str, Any]]) -> None:
    if pending:
        try:
            backend.append_logs(list(pending))
        finally:
            pending.clear()


def _canonical(log: Any) -> str:
    return json.dumps(log, sort_keys=True)  # NaN == NaN here, unlike in dict comparison


class _JournalCore:
    """Keeps the replayed state of a backend's log and appends to it.

    Writes to a running trial that need no answer from the log (parameters, intermediate values,
    attributes) are buffered and appended together with the next operation that needs one, or
    before the next read: one locked, fsynced append per trial instead of one per suggest. With
    heartbeats on, nothing is buffered, so a killed worker's trial is retried as it last was.

    Subclasses set ``_backend``, ``_snapshot_interval`` and ``heartbeat_interval`` and call
    :meth:`_open`.
    """

    _backend: BaseJournalBackend
    _snapshot_interval: int
    heartbeat_interval: int | None

    def _open(self) -> None:
        self._pid = os.getpid()
        self._worker_id_prefix = str(uuid.uuid4()) + "-"
        self._thread_lock = threading.RLock()
        self._pending: list[dict[str, Any]] = []
        self._finalizer = weakref.finalize(self, _flush_at_exit, self._backend, self._pending)
        self._state = ReplayState(self._worker_id_prefix)
        self._last_snapshot = 0
        with self._thread_lock:
            if isinstance(self._backend, BaseJournalSnapshot):
                self._restore_snapshot()
            replayed_from = self._state.log_number_read
            self._sync()
            if self._state.log_number_read - replayed_from >= self._snapshot_interval:
                self._save_snapshot()

    def __getstate__(self) -> dict[str, Any]:
        self._flush()
        state = self.__dict__.copy()
        for key in (
            "_pid",
            "_worker_id_prefix",
            "_thread_lock",
            "_pending",
            "_finalizer",
            "_state",
        ):
            del state[key]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._open()

    # --- log plumbing -------------------------------------------------------------------------

    @property
    def _worker_id(self) -> str:
        if self._pid != os.getpid():
            self._after_fork()
        return self._worker_id_prefix + str(threading.get_ident())

    def _after_fork(self) -> None:
        """A forked child must not pass for its parent: a worker id of its own, and the
        parent's buffered operations are the parent's to write."""
        self._pid = os.getpid()
        self._worker_id_prefix = str(uuid.uuid4()) + "-"
        self._state.own_prefix = self._worker_id_prefix
        self._thread_lock = threading.RLock()
        self._pending.clear()

    def _restore_snapshot(self) -> None:
        assert isinstance(self._backend, BaseJournalSnapshot)
        data = self._backend.load_snapshot()
        if not data:
            return
        try:
            state, hint = load_snapshot(data, self._worker_id_prefix)
        except ValueError as err:
            _logger.warning(f"Ignoring the journal snapshot: {err}. Replaying the whole log.")
            return
        if state.log_number_read == 0 or state.last_log is None:
            return
        set_hint = getattr(self._backend, "_set_position_hint", None)
        if set_hint is not None and hint is not None:
            set_hint(state.log_number_read - 1, hint)
        logs = iter(self._backend.read_logs(state.log_number_read - 1))
        if _canonical(next(logs, None)) != _canonical(state.last_log):
            _logger.warning(
                "Ignoring the journal snapshot: it does not match the log (was the log replaced?). "
                "Replaying the whole log."
            )
            if set_hint is not None:
                set_hint(0, None)
            return
        self._state = state
        self._last_snapshot = state.log_number_read
        for log in logs:
            state.apply(log)

    def _save_snapshot(self) -> None:
        if not isinstance(self._backend, BaseJournalSnapshot) or self._state.last_log is None:
            return
        get_hint = getattr(self._backend, "_position_hint", None)
        hint = get_hint(self._state.log_number_read - 1) if get_hint is not None else None
        self._backend.save_snapshot(dump_snapshot(self._state, hint))
        self._last_snapshot = self._state.log_number_read

    def _sync(self, appended: list[dict[str, Any]] | None = None) -> None:
        """Apply the operations appended since the last sync (caller holds the thread lock).

        With ``appended``, first append those operations; backends that can append and read in
        one round trip (``_append_and_read``) do so.
        """
        state = self._state
        state.outcomes.clear()
        state.own_log_numbers.clear()
        if appended is None:
            logs = self._backend.read_logs(state.log_number_read)
        else:
            combined = getattr(self._backend, "_append_and_read", None)
            if combined is not None:
                logs = combined(appended, state.log_number_read)
            else:
                self._backend.append_logs(appended)
                logs = self._backend.read_logs(state.log_number_read)
        for log in logs:
            state.apply(log)
        interval = self._snapshot_interval
        if any(n % interval == 0 and n > 0 for n in state.own_log_numbers):
            # Exactly one process wrote the operation at a multiple of the interval: it saves.
            self._save_snapshot()

    def _flush(self) -> None:
        with self._thread_lock:
            if self._pending:
                self._write(None)

    def _write(self, log: dict[str, Any] | None) -> Any:
        """Append the buffered operations and ``log``, replay, and return ``log``'s outcome."""
        if self._pid != os.getpid():
            self._after_fork()
        logs = list(self._pending)
        self._pending.clear()
        if log is not None:
            log["worker_id"] = self._worker_id
            logs.append(log)
        self._sync(logs)
        outcomes = list(self._state.outcomes)
        if len(outcomes) != len(logs):
            raise RuntimeError(
                f"The journal backend returned {len(outcomes)} of the {len(logs)} operations "
                "just appended; it does not keep appended operations readable in order."
            )
        for buffered, outcome in zip(logs[: len(logs) - (log is not None)], outcomes):
            if isinstance(outcome, Exception):
                _logger.warning(
                    f"A buffered journal operation (op_code {buffered['op_code']}) was rejected "
                    f"by a concurrent update: {outcome}"
                )
        return outcomes[-1] if log is not None else None

    def _apply(self, log: dict[str, Any]) -> Any:
        outcome = self._write(log)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def _buffer(self, log: dict[str, Any]) -> None:
        if self.heartbeat_interval is not None:
            self._apply(log)
            return
        log["worker_id"] = self._worker_id
        self._pending.append(log)

    def _read(self) -> ReplayState:
        """Bring the state up to date before a read (caller holds the thread lock)."""
        if self._pid != os.getpid():
            self._after_fork()
        if self._pending:
            self._write(None)
        else:
            self._sync()
        return self._state

    def _study(self, study_id: int) -> StudyState:
        study = self._state.studies.get(study_id)
        if study is None:
            study = self._read().studies.get(study_id)
            if study is None:
                raise KeyError(f"No study with id {study_id}.")
        return study

    def _trial(self, trial_id: int) -> FrozenTrial:
        trial = self._state.trials.get(trial_id)
        if trial is None:
            trial = self._read().trials.get(trial_id)
            if trial is None:
                raise KeyError(f"No trial with id {trial_id}.")
        return trial

    def _updatable_trial(self, trial_id: int) -> FrozenTrial:
        trial = self._trial(trial_id)
        if trial.state.is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished with state {trial.state.name} and "
                "can not be updated."
            )
        return trial
