"""Study.optimize: how an objective's outcome becomes a trial state, and the loop's controls."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator

import pytest

import hpo
from hpo.study import MaxTrialsCallback
from hpo.trial import FrozenTrial, TrialState


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self, level: int = logging.WARNING) -> str:
        return "\n".join(r.getMessage() for r in self.records if r.levelno >= level)


@pytest.fixture
def hpo_log() -> Iterator[_Records]:
    handler = _Records()
    root = logging.getLogger("hpo")
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _study(**kwargs) -> hpo.Study:
    kwargs.setdefault("sampler", hpo.samplers.RandomSampler(seed=0))
    return hpo.create_study(**kwargs)


def _states(study: hpo.Study) -> list[TrialState]:
    return [t.state for t in study.trials]


# --- outcome rules --------------------------------------------------------------------------


def test_float_completes() -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert _states(study) == [TrialState.COMPLETE] * 3
    assert all(t.value == t.params["x"] for t in study.trials)


def test_int_and_numpy_values_complete_as_float() -> None:
    np = pytest.importorskip("numpy")
    study = _study()
    study.optimize(lambda t: 3, n_trials=1)
    study.optimize(lambda t: np.float32(0.5), n_trials=1)
    assert [t.value for t in study.trials] == [3.0, 0.5]
    assert all(type(t.value) is float for t in study.trials)


def test_zero_dim_array_completes() -> None:
    np = pytest.importorskip("numpy")
    study = _study()
    study.optimize(lambda t: np.array(0.25), n_trials=1)
    assert study.trials[0].state is TrialState.COMPLETE and study.trials[0].value == 0.25


@pytest.mark.parametrize(
    "returned, reason",
    [
        (float("nan"), "NaN"),
        ("abc", "'abc'"),
        (None, "None"),
        ([1.0, 2.0], "number of the values 2"),
        (10**400, "could not be cast to float"),
        ({"a": 1}, "could not be cast to float"),
    ],
)
def test_bad_return_fails_with_log_saying_why(hpo_log: _Records, returned, reason: str) -> None:
    study = _study()
    study.optimize(lambda t: returned, n_trials=1)
    trial = study.trials[0]
    assert trial.state is TrialState.FAIL
    assert trial.values is None
    assert "Trial 0 failed" in hpo_log.text()
    assert reason in hpo_log.text()


def test_wrong_number_of_values_in_multi_objective_fails(hpo_log: _Records) -> None:
    study = _study(directions=["minimize", "maximize"])
    study.optimize(lambda t: 1.0, n_trials=1)
    assert _states(study) == [TrialState.FAIL]
    assert "number of the values 1" in hpo_log.text()


def test_pruned_takes_last_intermediate_value() -> None:
    def objective(trial) -> float:
        trial.report(3.0, 0)
        trial.report(2.0, 4)
        trial.report(5.0, 2)  # last *step* is 4, not the last call
        raise hpo.TrialPruned()

    study = _study()
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state is TrialState.PRUNED
    assert study.trials[0].value == 2.0


def test_pruned_without_reports_has_no_value() -> None:
    def objective(trial) -> float:
        raise hpo.TrialPruned("early")

    study = _study()
    study.optimize(objective, n_trials=2)
    assert _states(study) == [TrialState.PRUNED] * 2
    assert study.trials[0].value is None


def test_pruned_in_multi_objective_has_no_values() -> None:
    def objective(trial) -> float:
        raise hpo.TrialPruned()

    study = _study(directions=["minimize", "minimize"])
    study.optimize(objective, n_trials=1)
    assert study.trials[0].state is TrialState.PRUNED and study.trials[0].values is None


def test_caught_exception_fails_and_loop_continues(hpo_log: _Records) -> None:
    calls = []

    def objective(trial) -> float:
        calls.append(trial.number)
        raise ValueError("boom")

    study = _study()
    study.optimize(objective, n_trials=3, catch=(ValueError,))
    assert calls == [0, 1, 2]
    assert _states(study) == [TrialState.FAIL] * 3
    assert "boom" in hpo_log.text()


def test_catch_accepts_single_class_and_list() -> None:
    study = _study()
    study.optimize(lambda t: 1 / 0, n_trials=1, catch=ZeroDivisionError)
    study.optimize(lambda t: 1 / 0, n_trials=1, catch=[ZeroDivisionError])
    assert _states(study) == [TrialState.FAIL] * 2


@pytest.mark.parametrize("exc", [ValueError("not caught"), KeyboardInterrupt()])
def test_uncaught_exception_fails_trial_and_is_reraised(exc: BaseException) -> None:
    def objective(trial) -> float:
        trial.suggest_float("x", 0, 1)
        raise exc

    study = _study()
    with pytest.raises(type(exc)):
        study.optimize(objective, n_trials=5, catch=(TypeError,))
    assert _states(study) == [TrialState.FAIL]


def test_uncaught_exception_with_threads_leaves_no_trial_running() -> None:
    def objective(trial) -> float:
        if trial.number == 3:
            raise RuntimeError("stop here")
        time.sleep(0.005)
        return 1.0

    study = _study()
    with pytest.raises(RuntimeError, match="stop here"):
        study.optimize(objective, n_trials=50, n_jobs=2)
    states = _states(study)
    assert TrialState.RUNNING not in states
    assert TrialState.FAIL in states
    assert len(states) < 50


def test_objective_error_leaves_no_running_trial_across_calls() -> None:
    study = _study()
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            study.optimize(lambda t: 1 / 0, n_trials=1)
    assert _states(study) == [TrialState.FAIL] * 2


# --- controls -------------------------------------------------------------------------------


def test_n_jobs_uses_threads_and_runs_exact_count() -> None:
    threads: set[int] = set()
    lock = threading.Lock()

    def objective(trial) -> float:
        with lock:
            threads.add(threading.get_ident())
        time.sleep(0.01)
        return trial.suggest_float("x", 0, 1)

    study = _study()
    study.optimize(objective, n_trials=12, n_jobs=3)
    assert len(study.trials) == 12
    assert len(threads) > 1
    assert sorted(t.number for t in study.trials) == list(range(12))


def test_n_jobs_minus_one() -> None:
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=6, n_jobs=-1)
    assert len(study.trials) == 6
    assert _states(study) == [TrialState.COMPLETE] * 6


@pytest.mark.parametrize("n_jobs", [0, -2])
def test_bad_n_jobs(n_jobs: int) -> None:
    with pytest.raises(ValueError, match=f"n_jobs.*{n_jobs}"):
        _study().optimize(lambda t: 1.0, n_trials=1, n_jobs=n_jobs)


def test_timeout_stops_starting_trials() -> None:
    study = _study()
    start = time.monotonic()
    study.optimize(lambda t: time.sleep(0.02) or 1.0, timeout=0.2)
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 1.5
    assert 1 <= len(study.trials) <= 12


def test_timeout_with_n_trials_whichever_first() -> None:
    study = _study()
    study.optimize(lambda t: 1.0, n_trials=4, timeout=30)
    assert len(study.trials) == 4


def test_stop_inside_objective() -> None:
    def objective(trial) -> float:
        if trial.number == 2:
            trial.study.stop()
        return 1.0

    study = _study()
    study.optimize(objective, n_trials=10)
    assert len(study.trials) == 3
    # A later optimize call starts fresh.
    study.optimize(lambda t: 1.0, n_trials=2)
    assert len(study.trials) == 5


def test_stop_in_callback_without_budget() -> None:
    def callback(study: hpo.Study, trial: FrozenTrial) -> None:
        if trial.number == 4:
            study.stop()

    study = _study()
    study.optimize(lambda t: 1.0, callbacks=[callback])
    assert len(study.trials) == 5


def test_stop_outside_optimize() -> None:
    with pytest.raises(RuntimeError, match="Study.stop"):
        _study().stop()


def test_nested_optimize_is_rejected() -> None:
    study = _study()

    def objective(trial) -> float:
        study.optimize(lambda t: 1.0, n_trials=1)
        return 1.0

    with pytest.raises(RuntimeError, match="[Nn]ested"):
        study.optimize(objective, n_trials=1)
    assert _states(study) == [TrialState.FAIL]


def test_callbacks_get_study_and_finished_frozen_trial() -> None:
    seen: list[tuple[hpo.Study, FrozenTrial]] = []

    def objective(trial) -> float:
        if trial.number == 1:
            raise hpo.TrialPruned()
        return trial.suggest_float("x", 0, 1)

    study = _study()
    study.optimize(objective, n_trials=3, callbacks=[lambda s, t: seen.append((s, t))])
    assert [s is study for s, _ in seen] == [True] * 3
    assert [t.number for _, t in seen] == [0, 1, 2]
    assert [t.state for _, t in seen] == [
        TrialState.COMPLETE,
        TrialState.PRUNED,
        TrialState.COMPLETE,
    ]
    assert all(isinstance(t, FrozenTrial) for _, t in seen)
    assert seen[0][1].value == study.trials[0].value


def test_max_trials_callback_counts_states() -> None:
    def objective(trial) -> float:
        if trial.number % 2:
            raise hpo.TrialPruned()
        return 1.0

    study = _study()
    study.optimize(objective, n_trials=50, callbacks=[MaxTrialsCallback(3)])
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 3

    study = _study()
    study.optimize(objective, n_trials=50, callbacks=[MaxTrialsCallback(3, states=None)])
    assert len(study.trials) == 3


def test_max_trials_callback_counts_existing_trials() -> None:
    study = _study()
    study.optimize(lambda t: 1.0, n_trials=2)
    study.optimize(lambda t: 1.0, n_trials=50, callbacks=[MaxTrialsCallback(4)])
    assert len(study.trials) == 4


def test_gc_after_trial(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(1) or original(*a))
    study = _study()
    study.optimize(lambda t: 1.0, n_trials=3, gc_after_trial=False)
    assert calls == []
    study.optimize(lambda t: 1.0, n_trials=3, gc_after_trial=True)
    assert len(calls) == 3


def test_progress_bar_by_trials(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "3/3" in err
    assert "Best trial" in err


def test_progress_bar_by_time(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    study = _study()
    study.optimize(lambda t: time.sleep(0.02) or 1.0, timeout=0.1, show_progress_bar=True)
    err = capsys.readouterr().err
    assert "%|" in err
    assert "Best trial" in err
    assert len(study.trials) >= 1


def test_progress_bar_without_budget_warns() -> None:
    study = _study()

    def callback(s: hpo.Study, t: FrozenTrial) -> None:
        s.stop()

    with pytest.warns(UserWarning, match="progress bar"):
        study.optimize(lambda t: 1.0, callbacks=[callback], show_progress_bar=True)
    assert len(study.trials) == 1


def test_no_progress_bar_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    _study().optimize(lambda t: 1.0, n_trials=2)
    assert "%|" not in capsys.readouterr().err


def test_completed_trial_is_logged_at_info(hpo_log: _Records) -> None:
    hpo.logging.set_verbosity(hpo.logging.INFO)
    _study().optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    info = hpo_log.text(logging.INFO)
    assert "Trial 0 finished with value" in info
    assert "'x'" in info
