from __future__ import annotations

import copy
import datetime

import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.trial import FrozenTrial, TrialState, create_trial


def _frozen(**kwargs) -> FrozenTrial:
    defaults = dict(
        params={"x": 0.5, "n": 2},
        distributions={"x": FloatDistribution(0, 1), "n": IntDistribution(0, 5)},
        value=1.0,
    )
    defaults.update(kwargs)
    return create_trial(**defaults)


def test_create_trial_complete() -> None:
    trial = _frozen(user_attrs={"u": 1}, intermediate_values={0: 3.0, 2: 1.0})
    assert trial.state is TrialState.COMPLETE
    assert trial.value == 1.0 and trial.values == [1.0]
    assert trial.params == {"x": 0.5, "n": 2}
    assert trial.user_attrs == {"u": 1}
    assert trial.last_step == 2
    assert trial.datetime_start is not None and trial.datetime_complete is not None
    assert trial.duration is not None and trial.duration >= datetime.timedelta(0)


def test_create_trial_waiting_and_running() -> None:
    waiting = create_trial(state=TrialState.WAITING)
    assert waiting.datetime_start is None and waiting.datetime_complete is None
    running = create_trial(state=TrialState.RUNNING)
    assert running.datetime_start is not None and running.datetime_complete is None


def test_create_trial_multi_objective_value_access() -> None:
    trial = create_trial(values=[1.0, 2.0])
    assert trial.values == [1.0, 2.0]
    with pytest.raises(RuntimeError):
        _ = trial.value


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(state=TrialState.COMPLETE), "value"),
        (dict(value=1.0, values=[1.0]), "value"),
        (dict(value=float("nan")), "NaN"),
        (
            dict(value=1.0, params={"x": 5.0}, distributions={"x": FloatDistribution(0, 1)}),
            r"'x'",
        ),
        (dict(value=1.0, params={"x": 0.5}, distributions={}), "distribution"),
    ],
)
def test_create_trial_invalid(kwargs, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_trial(**kwargs)


def test_create_trial_converts_deprecated_distributions() -> None:
    with pytest.warns(FutureWarning):
        old = hpo.distributions.UniformDistribution(0, 1)
    trial = create_trial(value=1.0, params={"x": 0.5}, distributions={"x": old})
    assert type(trial.distributions["x"]) is FloatDistribution


def test_create_trial_constraints() -> None:
    trial = create_trial(value=1.0, constraints={"c": -1.0})
    assert trial.constraints == {"c": -1.0}


def test_frozen_suggest_replays_params() -> None:
    trial = _frozen()
    assert trial.suggest_float("x", 0, 1) == 0.5
    assert trial.suggest_int("n", 0, 5) == 2


def test_frozen_suggest_missing_param_names_it() -> None:
    with pytest.raises(ValueError, match="'y'"):
        _frozen().suggest_float("y", 0, 1)


def test_frozen_suggest_out_of_range_warns() -> None:
    with pytest.warns(UserWarning, match="'x'"):
        assert _frozen().suggest_float("x", 2, 3) == 0.5


def test_frozen_report_and_should_prune_are_noops() -> None:
    trial = _frozen()
    trial.report(5.0, 10)
    assert trial.intermediate_values == {}
    assert trial.should_prune() is False


def test_objective_can_be_re_evaluated_on_frozen_trial() -> None:
    def objective(t) -> float:
        return t.suggest_float("x", -1, 1) ** 2 + t.suggest_categorical("c", [0, 1])

    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=3)
    for frozen in study.trials:
        assert objective(frozen) == pytest.approx(frozen.value)
        assert isinstance(frozen.distributions["c"], CategoricalDistribution)


def test_equality_ordering_copy_hash() -> None:
    a = _frozen()
    b = copy.deepcopy(a)
    assert a == b and a is not b
    b.user_attrs["new"] = 1
    assert "new" not in a.user_attrs
    c = copy.copy(a)
    c.params["x"] = 0.7
    assert a.params["x"] == 0.5
    a.number, c.number = 0, 1
    assert a < c and a <= c and sorted([c, a])[0] is a
    assert "FrozenTrial(number=0" in repr(a)


def test_setters() -> None:
    trial = _frozen()
    trial.value = 2.0
    assert trial.values == [2.0]
    trial.values = [3.0]
    assert trial.value == 3.0
    trial.params = {"x": 0.1}
    trial.user_attrs = {"k": "v"}
    trial.system_attrs = {"s": 1}
    assert (trial.params, trial.user_attrs, trial.system_attrs) == (
        {"x": 0.1},
        {"k": "v"},
        {"s": 1},
    )


@pytest.mark.parametrize(
    "method, args, dist",
    [
        ("suggest_uniform", (0.0, 1.0), FloatDistribution(0, 1)),
        ("suggest_loguniform", (0.1, 1.0), FloatDistribution(0.1, 1, log=True)),
        ("suggest_discrete_uniform", (0.0, 1.0, 0.25), FloatDistribution(0, 1, step=0.25)),
    ],
)
def test_frozen_deprecated_suggest_warns(method: str, args, dist) -> None:
    trial = create_trial(value=1.0, params={"x": 0.5}, distributions={"x": dist})
    with pytest.warns(FutureWarning, match=method):
        assert getattr(trial, method)("x", *args) == 0.5
