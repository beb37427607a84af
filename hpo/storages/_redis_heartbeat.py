"""Heartbeats for RedisStorage: a sorted set of running trials scored by their last beat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hpo.storages._heartbeat import BaseHeartbeat, StaleTrialCallback, grace_seconds


class RedisHeartbeat(BaseHeartbeat):
    """The heartbeat half of :class:`~hpo.storages.RedisStorage`.

    Beats and the stale check both read the Redis server's clock, so workers' clocks may differ.
    With heartbeats on, the storage buffers no writes, so a killed worker's trial is in Redis as
    the worker last changed it, and a retry runs the same parameters.
    """

    heartbeat_interval: int | None
    grace_period: int | None
    heartbeat_stale_trial_callback: StaleTrialCallback | None
    _run: Callable[..., Any]  # RedisStorage's: run one of its Lua scripts

    def record_heartbeat(self, trial_id: int) -> None:
        if self._run("heartbeat", trial_id) < 0:
            raise KeyError(f"No trial with id {trial_id}.")

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        assert self.heartbeat_interval is not None, "heartbeats are off for this storage"
        grace = grace_seconds(self.heartbeat_interval, self.grace_period)
        return [int(tid) for tid in self._run("stale_trials", study_id, grace)]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        return self.heartbeat_stale_trial_callback
