from __future__ import annotations

import itertools

import pytest

import hpo
from hpo.samplers import GridSampler
from hpo.trial import TrialState


def _objective(trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    y = trial.suggest_int("y", 0, 10)
    c = trial.suggest_categorical("c", ["a", "b"])
    return x + y + (c == "b")


SPACE = {"x": [-1.0, 0.0, 1.0], "y": [0, 5], "c": ["a", "b"]}


def _combos(study: hpo.Study) -> list[tuple]:
    return [(t.params["x"], t.params["y"], t.params["c"]) for t in study.trials]


def test_visits_every_point_once_then_stops() -> None:
    study = hpo.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(_objective, n_trials=100)
    expected = set(itertools.product(SPACE["x"], SPACE["y"], SPACE["c"]))
    assert len(study.trials) == 12
    assert set(_combos(study)) == expected
    assert study.sampler.is_exhausted(study)


def test_stops_without_n_trials() -> None:
    study = hpo.create_study(sampler=GridSampler({"x": [0.0, 1.0]}))
    study.optimize(lambda t: t.suggest_float("x", 0, 1))
    assert len(study.trials) == 2


def test_seed_controls_order() -> None:
    def order(seed: int) -> list[tuple]:
        study = hpo.create_study(sampler=GridSampler(SPACE, seed=seed))
        study.optimize(_objective, n_trials=12)
        return _combos(study)

    assert order(1) == order(1)
    assert order(1) != order(2)


def test_grid_with_threads_covers_grid() -> None:
    study = hpo.create_study(sampler=GridSampler(SPACE, seed=0))
    study.optimize(_objective, n_trials=12, n_jobs=3)
    assert len(study.trials) == 12
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
    # Workers may collide on a point, but no more trials than the grid are run.
    assert len(set(_combos(study))) >= 10


def test_param_not_in_grid_names_it() -> None:
    study = hpo.create_study(sampler=GridSampler({"x": [0.0]}))

    def objective(trial) -> float:
        return trial.suggest_float("x", 0, 1) + trial.suggest_float("z", 0, 1)

    with pytest.raises(ValueError, match="'z'"):
        study.optimize(objective, n_trials=1)


def test_grid_value_outside_distribution_warns_and_is_used() -> None:
    study = hpo.create_study(sampler=GridSampler({"x": [5.0]}))
    with pytest.warns(UserWarning, match="'x'"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.trials[0].params == {"x": 5.0}


def test_empty_values_rejected() -> None:
    with pytest.raises(ValueError, match="'x'"):
        GridSampler({"x": []})


def test_non_json_grid_value_warns() -> None:
    with pytest.warns(UserWarning, match="'x'"):
        GridSampler({"x": [object()]})


def test_enqueued_trial_is_respected() -> None:
    study = hpo.create_study(sampler=GridSampler({"x": [0, 1]}))
    study.enqueue_trial({"x": 1})
    study.optimize(lambda t: t.suggest_int("x", 0, 1), n_trials=5)
    assert [t.params["x"] for t in study.trials][0] == 1
    assert {t.params["x"] for t in study.trials} == {0, 1}


def test_grid_is_stored_in_trial_system_attrs() -> None:
    study = hpo.create_study(sampler=GridSampler({"x": [0, 1]}))
    study.optimize(lambda t: t.suggest_int("x", 0, 1), n_trials=2)
    assert sorted(t.system_attrs["grid_id"] for t in study.trials) == [0, 1]
