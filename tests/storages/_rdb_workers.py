"""Worker processes for the multi-process RDB tests (started with the 'spawn' method)."""

from __future__ import annotations

import os
import signal
import time
import warnings
from pathlib import Path
from typing import Any

import hpo


def _quiet() -> None:
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    warnings.simplefilter("ignore")


def optimize(url: str, study_name: str, n_trials: int, sleep: float = 0.0) -> None:
    """A plain worker: load the study by URL and run ``n_trials`` trials."""
    _quiet()
    study = hpo.load_study(study_name=study_name, storage=url)

    def objective(trial: hpo.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_int("y", 0, 10)
        if sleep:
            time.sleep(sleep)
        return x * x + y

    study.optimize(objective, n_trials=n_trials)


def _heartbeat_storage(url: str, prefix: str | None = None) -> hpo.storages.BaseStorage:
    """A storage beating every second, failing after 2 s, retrying a failed trial once.

    ``url`` is an RDB URL, a Redis URL (then ``prefix`` names the RedisStorage's keys), or
    ``journal-file:<path>`` for a JournalStorage on that file.
    """
    settings: dict = dict(
        heartbeat_interval=1,
        grace_period=2,
        heartbeat_stale_trial_callback=hpo.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
    )
    if url.startswith("redis"):
        return hpo.storages.RedisStorage(url, prefix=prefix or "hpo", **settings)
    if url.startswith("journal-file:"):
        backend = hpo.storages.journal.JournalFileBackend(url.removeprefix("journal-file:"))
        return hpo.storages.JournalStorage(backend, **settings)
    return hpo.storages.RDBStorage(url, **settings)


def hang(url: str, study_name: str, ready_path: str, prefix: str | None = None) -> None:
    """Start one trial, say so through ``ready_path``, then hang until killed."""
    _quiet()
    study = hpo.load_study(study_name=study_name, storage=_heartbeat_storage(url, prefix))

    def objective(trial: hpo.Trial) -> float:
        trial.suggest_float("x", -5, 5)
        with open(ready_path, "w") as f:
            f.write(str(trial.number))
        time.sleep(600)
        return 0.0

    study.optimize(objective, n_trials=1)


def kill_once_running(victim: Any, ready: Path, timeout: float = 60) -> None:
    """Wait until ``victim`` (running :func:`hang`) writes ``ready``, then SIGKILL it."""
    deadline = time.monotonic() + timeout
    while not ready.exists():
        assert time.monotonic() < deadline and victim.is_alive(), "the victim never started"
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()


def optimize_with_heartbeat(
    url: str, study_name: str, n_trials: int, prefix: str | None = None
) -> None:
    _quiet()
    study = hpo.load_study(study_name=study_name, storage=_heartbeat_storage(url, prefix))
    study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2, n_trials=n_trials)


def create_or_load(url: str, study_name: str, barrier: object) -> None:
    """Race another process to create the study; both must end up with the same one."""
    _quiet()
    storage = hpo.storages.get_storage(url)  # connect before the race starts
    barrier.wait(timeout=120)  # type: ignore[attr-defined]
    study = hpo.create_study(storage=storage, study_name=study_name, load_if_exists=True)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
