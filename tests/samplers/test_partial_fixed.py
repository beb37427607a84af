from __future__ import annotations

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import PartialFixedSampler, RandomSampler

pytestmark = pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")


def _objective(trial) -> float:
    return trial.suggest_float("x", -1, 1) + trial.suggest_int("y", -5, 5)


def test_is_experimental() -> None:
    with pytest.warns(ExperimentalWarning):
        PartialFixedSampler({}, RandomSampler())


def test_fixed_param_used_others_sampled() -> None:
    sampler = PartialFixedSampler({"y": 2}, RandomSampler(seed=0))
    study = hpo.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=5)
    assert {t.params["y"] for t in study.trials} == {2}
    assert len({t.params["x"] for t in study.trials}) == 5


def test_matches_base_sampler_for_free_params() -> None:
    fixed = hpo.create_study(sampler=PartialFixedSampler({"y": 0}, RandomSampler(seed=3)))
    fixed.optimize(_objective, n_trials=3)
    plain = hpo.create_study(sampler=RandomSampler(seed=3))
    plain.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=3)
    assert [t.params["x"] for t in fixed.trials] == [t.params["x"] for t in plain.trials]


def test_out_of_range_fixed_value_warns_naming_param() -> None:
    study = hpo.create_study(sampler=PartialFixedSampler({"y": 50}, RandomSampler(seed=0)))
    with pytest.warns(UserWarning, match="'y'"):
        study.optimize(_objective, n_trials=1)
    assert study.trials[0].params["y"] == 50


def test_hooks_are_forwarded_to_base_sampler() -> None:
    calls = []

    class Recording(RandomSampler):
        def before_trial(self, study, trial):
            calls.append("before")

        def after_trial(self, study, trial, state, values):
            calls.append("after")

        def reseed_rng(self):
            calls.append("reseed")

    sampler = PartialFixedSampler({"y": 0}, Recording(seed=0))
    study = hpo.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=2)
    sampler.reseed_rng()
    assert calls == ["before", "after", "before", "after", "reseed"]
