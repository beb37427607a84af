"""JournalStorage: Optuna interoperability, crash safety, hostile data, heartbeats, snapshots."""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

import hpo
from hpo.storages import JournalStorage, fail_stale_trials
from hpo.storages.journal import (
    BaseJournalBackend,
    JournalFileBackend,
    JournalFileOpenLock,
    JournalFileSymlinkLock,
)
from hpo.storages.journal._replay import JournalFormatError
from hpo.trial import TrialState
from tests.storages._journal_backends import delete_redis_keys, redis_prefix


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 8, log=True)
    c = trial.suggest_categorical("c", ["a", "b", None])
    trial.report(x * 2, step=0)
    trial.set_user_attr("note", {"n": n})
    return x**2 + n + (c is None)


def _fill(lib: Any, storage: Any, name: str) -> list[Any]:
    """A study with every kind of trial the journal records, written by ``lib``."""
    study = lib.create_study(
        storage=storage, study_name=name, sampler=lib.samplers.RandomSampler(seed=1)
    )
    study.set_user_attr("owner", "me")
    study.enqueue_trial({"x": 1.5, "n": 2, "c": "b"})
    study.optimize(_objective, n_trials=6)
    study.add_trial(
        lib.trial.create_trial(
            params={"x": 0.5},
            distributions={"x": lib.distributions.FloatDistribution(-5, 5)},
            value=0.25,
        )
    )
    trial = study.ask()
    trial.suggest_float("x", -5, 5)
    study.tell(trial, state=lib.trial.TrialState.PRUNED)
    study.enqueue_trial({"x": 2.0})  # stays WAITING
    lib.create_study(storage=storage, study_name=name + "-mo", directions=["minimize"] * 2)
    return study.trials


def _summary(trials: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            t.number,
            int(t.state),
            t.values,
            t.params,
            {k: repr(v) for k, v in t.distributions.items()},
            t.user_attrs,
            t.intermediate_values,
            t.datetime_start,
            t.datetime_complete,
        )
        for t in trials
    ]


def _optuna() -> Any:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


@pytest.mark.parametrize("writer", ["optuna", "hpo"])
def test_journal_file_interoperates_with_optuna(tmp_path: Path, writer: str) -> None:
    optuna = _optuna()
    libs = {"optuna": optuna, "hpo": hpo}
    reader = "hpo" if writer == "optuna" else "optuna"
    path = str(tmp_path / "journal.log")

    def storage(lib: Any) -> Any:
        return lib.storages.JournalStorage(lib.storages.journal.JournalFileBackend(path))

    written = _fill(libs[writer], storage(libs[writer]), "interop")
    read = libs[reader].load_study(study_name="interop", storage=storage(libs[reader]))
    assert _summary(read.trials) == _summary(written)
    assert read.user_attrs == {"owner": "me"}
    names = set(libs[reader].get_all_study_names(storage=storage(libs[reader])))
    assert names == {"interop", "interop-mo"}
    # The reader can go on writing to the same journal, and the writer sees it.
    read.optimize(_objective, n_trials=2)
    again = libs[writer].load_study(study_name="interop", storage=storage(libs[writer]))
    assert len(again.trials) == len(written) + 1  # the WAITING trial ran, plus one new
    assert [t.state for t in again.trials].count(again.trials[0].state.__class__.WAITING) == 0


def test_journal_redis_interoperates_with_optuna(redis_url: str) -> None:
    optuna = _optuna()
    prefix = redis_prefix()
    try:
        backend = optuna.storages.journal.JournalRedisBackend(redis_url, prefix=prefix)
        written = _fill(optuna, optuna.storages.JournalStorage(backend), "interop")
        storage = JournalStorage(
            hpo.storages.journal.JournalRedisBackend(redis_url, prefix=prefix)
        )
        read = hpo.load_study(study_name="interop", storage=storage)
        assert _summary(read.trials) == _summary(written)
        read.optimize(_objective, n_trials=1)
        again = optuna.load_study(
            study_name="interop",
            storage=optuna.storages.JournalStorage(
                optuna.storages.journal.JournalRedisBackend(redis_url, prefix=prefix)
            ),
        )
        assert _summary(again.trials) == _summary(read.trials)
    finally:
        delete_redis_keys(redis_url, prefix)


# --- crash safety ---------------------------------------------------------------------------


def _study_on(path: Path, **kwargs: Any) -> hpo.Study:
    storage = JournalStorage(JournalFileBackend(str(path)), **kwargs)
    return hpo.create_study(storage=storage, study_name="s", load_if_exists=True)


def test_torn_last_line_is_skipped_and_the_next_writer_starts_a_new_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.log"
    study = _study_on(path)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    with open(path, "ab") as f:  # a writer killed in the middle of a line
        f.write(b'{"op_code":4,"study_id":0,"datetime_st')
    reloaded = _study_on(path)
    assert len(reloaded.trials) == 3  # every complete operation is kept
    caplog.set_level("WARNING")
    reloaded.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert "incomplete line" in caplog.text
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert b'{"op_code":4,"study_id":0,"datetime_st' in lines  # ended, on its own line
    fresh = _study_on(path)
    assert [t.number for t in fresh.trials] == [0, 1, 2, 3, 4]
    assert all(t.state is TrialState.COMPLETE for t in fresh.trials)
    assert "unreadable line" in caplog.text


def _hold_lock_and_die(lock_path: str, kind: str) -> subprocess.Popen:
    code = (
        "import sys, time\n"
        "from hpo.storages.journal import JournalFileOpenLock, JournalFileSymlinkLock\n"
        f"lock = {kind}({lock_path!r}, grace_period=None)\n"
        "lock.acquire()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return proc


@pytest.mark.parametrize("lock_cls", [JournalFileSymlinkLock, JournalFileOpenLock])
def test_lock_of_a_killed_process_is_broken_after_the_grace_period(
    tmp_path: Path, lock_cls: type
) -> None:
    path = str(tmp_path / "journal.log")
    _hold_lock_and_die(path, lock_cls.__name__)
    assert os.path.lexists(path + ".lock")
    with pytest.warns(UserWarning, match="too small"):
        lock = lock_cls(path, grace_period=1)
    storage = JournalStorage(JournalFileBackend(path, lock_obj=lock))
    start = time.monotonic()
    storage.create_new_study([hpo.study.StudyDirection.MINIMIZE], "after-crash")
    waited = time.monotonic() - start
    assert 1.0 <= waited < 10.0
    assert not os.path.lexists(path + ".lock")
    assert storage.get_study_id_from_name("after-crash") == 0


def test_lock_rejects_bad_grace_period(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="grace_period"):
        JournalFileSymlinkLock(str(tmp_path / "x"), grace_period=0)


# --- hostile data ---------------------------------------------------------------------------


class _Exploit:
    """Unpickling this object would create a marker file."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (open, (self.marker, "w"))


def test_malformed_json_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "journal.log"
    _study_on(path).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    marker = tmp_path / "pwned"
    with open(path, "ab") as f:
        f.write(pickle.dumps(_Exploit(str(marker))).replace(b"\n", b" ") + b"\n")
        f.write(b"{not json}\n")
    caplog.set_level("WARNING")
    study = _study_on(path)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    assert caplog.text.count("unreadable line") == 2
    assert not marker.exists()


@pytest.mark.parametrize(
    "entry",
    [
        [1, 2, 3],
        {"op_code": 99, "worker_id": "x"},
        {"op_code": 5, "worker_id": "x", "trial_id": 0},
        {"op_code": 4, "worker_id": "x", "study_id": "0", "datetime_start": None},
        {
            "op_code": 5,
            "worker_id": "x",
            "trial_id": 0,
            "param_name": "x",
            "param_value_internal": 0.1,
            "distribution": '{"name": "os.system"}',
        },
    ],
)
def test_valid_json_that_is_not_an_operation_gets_a_clear_error(
    tmp_path: Path, entry: Any
) -> None:
    path = tmp_path / "journal.log"
    _study_on(path).optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    with open(path, "a") as f:
        f.write(json.dumps(entry) + "\n")
    with pytest.raises(JournalFormatError, match="is not a valid operation"):
        JournalStorage(JournalFileBackend(str(path)))


def test_pickled_snapshot_in_redis_is_never_loaded(redis_url: str) -> None:
    import redis

    prefix = redis_prefix()
    client = redis.Redis.from_url(redis_url)
    marker = f"/tmp/hpo-pwned-{prefix}"
    try:
        storage = JournalStorage(
            hpo.storages.journal.JournalRedisBackend(redis_url, prefix=prefix)
        )
        storage.create_new_study([hpo.study.StudyDirection.MINIMIZE], "s")
        payload = pickle.dumps(_Exploit(marker))
        client.set(f"{prefix}:snapshot", payload)  # Optuna's (pickled) snapshot key
        client.set(f"{prefix}:hpo_snapshot", payload)
        reopened = JournalStorage(
            hpo.storages.journal.JournalRedisBackend(redis_url, prefix=prefix)
        )
        assert reopened.get_study_id_from_name("s") == 0
        client.set(f"{prefix}:log:1", payload)  # a hostile log entry
        client.incr(f"{prefix}:log_number")
        with pytest.raises(JournalFormatError, match="not a valid operation"):
            JournalStorage(hpo.storages.journal.JournalRedisBackend(redis_url, prefix=prefix))
        assert not os.path.exists(marker)
    finally:
        client.close()
        delete_redis_keys(redis_url, prefix)


# --- heartbeats -----------------------------------------------------------------------------


def test_heartbeat_and_fail_stale_trials(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    failed: list[int] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        worker = _study_on(path, heartbeat_interval=1, grace_period=1)
        watcher = _study_on(
            path,
            heartbeat_interval=1,
            grace_period=1,
            heartbeat_stale_trial_callback=lambda study, trial: failed.append(trial.number),
        )
    dead = worker.ask()  # starts beating; then the "worker" stops beating
    worker._stop_heartbeat(dead._trial_id)
    alive = watcher.ask()
    fail_stale_trials(watcher)
    assert worker.trials[0].state is TrialState.RUNNING  # not stale yet
    assert "hpo:heartbeat" not in worker.trials[0].system_attrs
    time.sleep(1.6)
    fail_stale_trials(watcher)
    fail_stale_trials(watcher)  # a second call fails nothing more
    states = [t.state for t in watcher.trials]
    assert states == [TrialState.FAIL, TrialState.RUNNING]
    assert failed == [0]
    watcher.tell(alive, 1.0)


def test_heartbeat_arguments_are_validated(tmp_path: Path) -> None:
    backend = JournalFileBackend(str(tmp_path / "j.log"))
    with pytest.raises(ValueError, match="heartbeat_interval"):
        JournalStorage(backend, heartbeat_interval=0)
    with pytest.raises(TypeError, match="BaseJournalBackend"):
        JournalStorage(str(tmp_path / "j.log"))  # type: ignore[arg-type]


# --- claims and deprecated names ------------------------------------------------------------


def test_waiting_trial_is_claimed_once_across_storages(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.log")
    a = JournalStorage(JournalFileBackend(path))
    b = JournalStorage(JournalFileBackend(path))
    study_id = a.create_new_study([hpo.study.StudyDirection.MINIMIZE], "s")
    trial_id = a.create_new_trial(study_id, hpo.trial.create_trial(state=TrialState.WAITING))
    b.get_all_trials(study_id)  # b has seen the trial WAITING
    assert a.set_trial_state_values(trial_id, TrialState.RUNNING) is True
    assert b.set_trial_state_values(trial_id, TrialState.RUNNING) is False


def test_deprecated_names_warn(tmp_path: Path) -> None:
    path = str(tmp_path / "j.log")
    for name in ("JournalFileStorage", "JournalFileSymlinkLock", "JournalFileOpenLock"):
        with pytest.warns(FutureWarning):
            getattr(hpo.storages, name)(path)
    with pytest.warns(FutureWarning):  # no connection is made until the first command
        hpo.storages.JournalRedisStorage("redis://127.0.0.1:1/0")
    with pytest.warns(FutureWarning):

        class _Backend(hpo.storages.BaseJournalLogStorage):
            def read_logs(self, log_number_from: int) -> list:
                return []

            def append_logs(self, logs: list) -> None:
                pass

        _Backend()
    assert issubclass(hpo.storages.BaseJournalLogStorage, BaseJournalBackend)


def test_reader_judges_each_line_on_its_own(tmp_path: Path) -> None:
    path = tmp_path / "journal.log"
    lines = [b'{"a":1}', b'{"b":2},{"c":', b"3}", b' {"d": 4} ', b'{"e":"\xff"}', b'{"f":6}']
    path.write_bytes(b"\n".join(lines) + b"\n")
    # Lines 2-3 only parse when joined, and line 5 is not UTF-8: all three are skipped.
    assert JournalFileBackend(str(path)).read_logs(0) == [{"a": 1}, {"d": 4}, {"f": 6}]
    backend = JournalFileBackend(str(path))
    assert backend.read_logs(2) == [{"f": 6}]
