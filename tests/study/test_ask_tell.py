"""Ask-and-tell, enqueue_trial and the WAITING queue."""

from __future__ import annotations

import threading

import pytest

import hpo
from hpo.distributions import FloatDistribution, IntDistribution
from hpo.trial import FrozenTrial, Trial, TrialState


def _study(**kwargs) -> hpo.Study:
    kwargs.setdefault("sampler", hpo.samplers.RandomSampler(seed=0))
    return hpo.create_study(**kwargs)


# --- ask ------------------------------------------------------------------------------------


def test_ask_creates_running_trials_with_increasing_numbers() -> None:
    study = _study()
    trials = [study.ask() for _ in range(3)]
    assert all(isinstance(t, Trial) for t in trials)
    assert [t.number for t in trials] == [0, 1, 2]
    assert [t.state for t in study.trials] == [TrialState.RUNNING] * 3


def test_ask_with_fixed_distributions() -> None:
    study = _study()
    trial = study.ask({"x": FloatDistribution(0, 1), "n": IntDistribution(1, 3)})
    assert set(trial.params) == {"x", "n"}
    assert trial.suggest_float("x", 0, 1) == trial.params["x"]


def test_ask_converts_deprecated_distribution() -> None:
    with pytest.warns(FutureWarning):
        old = hpo.distributions.LogUniformDistribution(0.1, 1.0)
    trial = _study().ask({"lr": old})
    assert type(trial.distributions["lr"]) is FloatDistribution
    assert trial.distributions["lr"].log


# --- tell -----------------------------------------------------------------------------------


def test_tell_returns_finished_frozen_trial() -> None:
    study = _study()
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    frozen = study.tell(trial, x)
    assert isinstance(frozen, FrozenTrial)
    assert frozen.state is TrialState.COMPLETE and frozen.value == x
    assert study.trials[0].value == x


def test_tell_by_number() -> None:
    study = _study()
    study.ask()
    study.ask()
    study.tell(1, 2.5)
    assert [t.state for t in study.trials] == [TrialState.RUNNING, TrialState.COMPLETE]
    assert study.trials[1].value == 2.5


def test_tell_unknown_number() -> None:
    with pytest.raises(ValueError, match="number 7"):
        _study().tell(7, 1.0)


def test_tell_bad_trial_type() -> None:
    with pytest.raises(TypeError, match="'0'"):
        _study().tell("0", 1.0)  # type: ignore[arg-type]


def test_tell_pruned_uses_last_intermediate_value() -> None:
    study = _study()
    trial = study.ask()
    trial.report(4.0, 1)
    trial.report(3.0, 2)
    frozen = study.tell(trial, state=TrialState.PRUNED)
    assert frozen.state is TrialState.PRUNED and frozen.value == 3.0


def test_tell_fail() -> None:
    study = _study()
    trial = study.ask()
    frozen = study.tell(trial, state=TrialState.FAIL)
    assert frozen.state is TrialState.FAIL and frozen.values is None


@pytest.mark.parametrize("state", [TrialState.PRUNED, TrialState.FAIL])
def test_tell_values_with_pruned_or_fail_state(state: TrialState) -> None:
    study = _study()
    with pytest.raises(ValueError, match=state.name):
        study.tell(study.ask(), 1.0, state=state)


@pytest.mark.parametrize("state", [TrialState.RUNNING, TrialState.WAITING])
def test_tell_unfinished_state(state: TrialState) -> None:
    study = _study()
    with pytest.raises(ValueError, match=state.name):
        study.tell(study.ask(), 1.0, state=state)


def test_tell_complete_without_values() -> None:
    study = _study()
    with pytest.raises(ValueError, match="Values are required"):
        study.tell(study.ask(), state=TrialState.COMPLETE)


def test_tell_complete_with_invalid_value() -> None:
    study = _study()
    with pytest.raises(ValueError, match="NaN"):
        study.tell(study.ask(), float("nan"), state=TrialState.COMPLETE)


@pytest.mark.parametrize("values", [None, float("nan"), "x", [1.0, 2.0]])
def test_tell_invalid_values_without_state_fails_with_warning(values) -> None:
    study = _study()
    with pytest.warns(UserWarning, match="Trial 0 failed"):
        frozen = study.tell(study.ask(), values)
    assert frozen.state is TrialState.FAIL
    assert study.trials[0].state is TrialState.FAIL


def test_tell_multi_objective_values() -> None:
    study = _study(directions=["minimize", "maximize"])
    frozen = study.tell(study.ask(), [1.0, 2.0])
    assert frozen.values == [1.0, 2.0]


def test_tell_finished_trial_names_its_number() -> None:
    study = _study()
    study.ask()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(ValueError, match=r"trial 1.*finished"):
        study.tell(trial, 2.0)
    with pytest.raises(ValueError, match=r"trial 1.*finished"):
        study.tell(1, 2.0)
    assert study.trials[1].value == 1.0


def test_tell_skip_if_finished() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    frozen = study.tell(trial, 2.0, skip_if_finished=True)
    assert frozen.value == 1.0
    assert study.tell(0, state=TrialState.FAIL, skip_if_finished=True).value == 1.0


def test_tell_trial_object_after_telling_its_number() -> None:
    study = _study()
    trial = study.ask()
    study.tell(0, 1.0)
    with pytest.raises(ValueError, match="trial 0"):
        study.tell(trial, 2.0)
    assert study.tell(trial, 3.0, skip_if_finished=True).value == 1.0
    assert study.trials[0].value == 1.0


def test_tell_waiting_trial() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.5})
    with pytest.raises(ValueError, match="WAITING"):
        study.tell(0, 1.0)


def test_sampler_after_trial_sees_state_and_values() -> None:
    seen = []

    class Recording(hpo.samplers.RandomSampler):
        def after_trial(self, study, trial, state, values):
            seen.append((trial.number, state, values))

    study = hpo.create_study(sampler=Recording(seed=0))
    study.tell(study.ask(), 1.0)
    study.tell(study.ask(), state=TrialState.FAIL)
    assert seen == [(0, TrialState.COMPLETE, [1.0]), (1, TrialState.FAIL, None)]


# --- enqueue_trial --------------------------------------------------------------------------


def test_enqueued_params_are_used() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.25, "c": "b"})
    study.enqueue_trial({"x": 0.75})
    assert [t.state for t in study.trials] == [TrialState.WAITING] * 2

    def objective(trial) -> float:
        return trial.suggest_float("x", 0, 1) + len(trial.suggest_categorical("c", ["a", "b"]))

    study.optimize(objective, n_trials=3)
    params = [t.params for t in study.trials]
    assert params[0] == {"x": 0.25, "c": "b"}
    assert params[1]["x"] == 0.75 and params[1]["c"] in ("a", "b")
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 3


def test_enqueue_with_ask_and_user_attrs() -> None:
    study = _study()
    study.enqueue_trial({"n": 3}, user_attrs={"source": "manual"})
    trial = study.ask()
    assert trial.number == 0
    assert trial.suggest_int("n", 0, 10) == 3
    assert trial.user_attrs == {"source": "manual"}


def test_enqueue_out_of_range_value_warns_naming_param() -> None:
    study = _study()
    study.enqueue_trial({"x": 5.0})
    trial = study.ask()
    with pytest.warns(UserWarning, match="'x'"):
        x = trial.suggest_float("x", 0, 1)
    assert 0 <= x <= 1  # hpo samples instead of storing an out-of-range value


def test_enqueue_skip_if_exists() -> None:
    study = _study()
    study.enqueue_trial({"x": 0.5})
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)
    assert len(study.trials) == 1
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    study.enqueue_trial({"x": 0.5}, skip_if_exists=True)
    assert len(study.trials) == 1
    study.enqueue_trial({"x": 0.6}, skip_if_exists=True)
    study.enqueue_trial({"x": 0.5})  # without skip_if_exists duplicates are allowed
    assert len(study.trials) == 3


def test_enqueue_non_json_param_names_key() -> None:
    with pytest.raises(TypeError, match="'x'"):
        _study().enqueue_trial({"x": object()})


def test_waiting_trial_claimed_by_exactly_one_thread() -> None:
    n_threads = 8
    study = _study()
    study.enqueue_trial({"x": 0.5})
    barrier = threading.Barrier(n_threads)
    got: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        trial = study.ask()
        with lock:
            got.append(trial.number)

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(n_threads))
    assert len(study.get_trials(states=(TrialState.WAITING,))) == 0


def test_threads_never_run_the_same_enqueued_trial() -> None:
    study = _study()
    n = 30
    for i in range(n):
        study.enqueue_trial({"i": i})
    study.optimize(lambda t: t.suggest_int("i", 0, 1000), n_trials=n, n_jobs=4)
    values = sorted(t.params["i"] for t in study.trials)
    assert values == list(range(n))
    assert len(study.trials) == n


# --- add_trial ------------------------------------------------------------------------------


def test_add_trial_and_add_trials() -> None:
    study = _study()
    dist = {"x": FloatDistribution(0, 10)}
    study.add_trial(hpo.create_trial(params={"x": 2.0}, distributions=dist, value=4.0))
    study.add_trials(
        [
            hpo.create_trial(params={"x": 1.0}, distributions=dist, value=1.0),
            hpo.create_trial(state=TrialState.FAIL),
        ]
    )
    assert [t.number for t in study.trials] == [0, 1, 2]
    assert study.best_value == 1.0
    assert study.best_params == {"x": 1.0}


def test_add_trial_wrong_number_of_values() -> None:
    study = _study()
    with pytest.raises(ValueError, match="2 values.*1 objective"):
        study.add_trial(hpo.create_trial(values=[1.0, 2.0]))


def test_add_trial_incompatible_distribution() -> None:
    study = _study()
    study.add_trial(
        hpo.create_trial(params={"x": 1.0}, distributions={"x": FloatDistribution(0, 2)}, value=1)
    )
    with pytest.raises(ValueError, match="different distribution kind"):
        study.add_trial(
            hpo.create_trial(params={"x": 1}, distributions={"x": IntDistribution(0, 2)}, value=1)
        )


def test_add_waiting_trial_is_picked_up() -> None:
    study = _study()
    study.add_trial(hpo.create_trial(state=TrialState.WAITING))
    trial = study.ask()
    assert trial.number == 0
    assert len(study.trials) == 1


def test_constraints_written_in_after_trial_reach_tell_result_and_callbacks() -> None:
    from hpo.samplers._base import process_constraints_after_trial

    class Constrained(hpo.samplers.RandomSampler):
        def after_trial(self, study, trial, state, values):
            process_constraints_after_trial(lambda t: (t.params["x"] - 0.5,), study, trial, state)

    study = hpo.create_study(sampler=Constrained(seed=0))
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    assert study.tell(trial, x).constraints == {"0": pytest.approx(x - 0.5)}
    seen = []
    study.optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[lambda s, t: seen.append(t)]
    )
    assert seen[0].constraints == study.trials[1].constraints != {}
