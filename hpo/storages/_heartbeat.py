"""Heartbeats: running trials prove they are alive; trials whose worker died are failed."""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.storages._base import BaseStorage
    from hpo.study import Study
    from hpo.trial import FrozenTrial

StaleTrialCallback = Callable[["Study", "FrozenTrial"], None]


class BaseHeartbeat(abc.ABC):
    """Mixin for storages that support heartbeats (RDB, journal)."""

    @abc.abstractmethod
    def record_heartbeat(self, trial_id: int) -> None:
        """Record that the worker running ``trial_id`` is alive (server time)."""

    @abc.abstractmethod
    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        """Return RUNNING trials whose last heartbeat is older than the grace period."""

    @abc.abstractmethod
    def get_heartbeat_interval(self) -> int | None:
        """Seconds between heartbeats, or ``None`` when heartbeats are off."""

    @abc.abstractmethod
    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        """The callback run once for every trial failed as stale."""

    def get_failed_trial_callback(self) -> StaleTrialCallback | None:
        """Deprecated alias of :meth:`get_heartbeat_stale_trial_callback`."""
        return self.get_heartbeat_stale_trial_callback()


def check_heartbeat_arguments(heartbeat_interval: int | None, grace_period: int | None) -> None:
    """Raise ValueError naming the argument when a heartbeat setting is not a positive number."""
    for name, value in (
        ("heartbeat_interval", heartbeat_interval),
        ("grace_period", grace_period),
    ):
        if value is not None and not value > 0:
            raise ValueError(f"`{name}` must be a positive integer, but got {value}.")


def grace_seconds(heartbeat_interval: int, grace_period: int | None) -> float:
    """The grace period in seconds: ``grace_period``, or twice the interval when it is ``None``."""
    return float(grace_period if grace_period is not None else 2 * heartbeat_interval)


def is_heartbeat_enabled(storage: BaseStorage) -> bool:
    return isinstance(storage, BaseHeartbeat) and storage.get_heartbeat_interval() is not None


class HeartbeatThread:
    """Beats for one trial every ``interval`` seconds until stopped. A no-op without heartbeats."""

    def __init__(self, trial_id: int, storage: BaseStorage) -> None:
        self._trial_id = trial_id
        self._storage = storage
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> HeartbeatThread:
        if not is_heartbeat_enabled(self._storage):
            return self
        assert isinstance(self._storage, BaseHeartbeat)
        interval = self._storage.get_heartbeat_interval()
        assert interval is not None
        self._storage.record_heartbeat(self._trial_id)
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name=f"hpo-heartbeat-{self._trial_id}", daemon=True
        )
        self._thread.start()
        return self

    def _run(self, interval: float) -> None:
        assert isinstance(self._storage, BaseHeartbeat)
        while not self._stop.wait(interval):
            try:
                self._storage.record_heartbeat(self._trial_id)
            except Exception:  # a missed beat is retried at the next interval
                pass

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> HeartbeatThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def fail_stale_trials(study: Study) -> None:
    """Fail the RUNNING trials of ``study`` whose worker stopped beating, then run the
    stale-trial callback once for each. Safe to call from many workers at once: a trial is failed
    (and its callback run) only by the worker whose state change succeeded."""
    storage = study._storage
    if not is_heartbeat_enabled(storage):
        return
    assert isinstance(storage, BaseHeartbeat)
    failed = []
    for trial_id in storage._get_stale_trial_ids(study._study_id):
        try:
            if storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                failed.append(trial_id)
        except Exception:  # another worker finished or failed it first
            continue
    callback = storage.get_heartbeat_stale_trial_callback()
    if callback is None:
        return
    for trial_id in failed:
        callback(study, storage.get_trial(trial_id))
