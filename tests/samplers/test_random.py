from __future__ import annotations

import math

import numpy as np
import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.samplers import RandomSampler
from hpo.samplers._random import sample_uniform_internal


def _params(seed: int, n: int = 5) -> list[dict]:
    def objective(trial) -> float:
        trial.suggest_float("x", -1, 1)
        trial.suggest_int("n", 0, 100)
        trial.suggest_categorical("c", ["a", "b", "c"])
        return 0.0

    study = hpo.create_study(sampler=RandomSampler(seed=seed))
    study.optimize(objective, n_trials=n)
    return [t.params for t in study.trials]


def test_seed_reproducible() -> None:
    assert _params(3) == _params(3)
    assert _params(3) != _params(4)


def test_reseed_rng_changes_stream() -> None:
    a, b = RandomSampler(seed=0), RandomSampler(seed=0)
    b.reseed_rng()
    dist = FloatDistribution(0, 1)
    assert [sample_uniform_internal(a._rng, dist) for _ in range(3)] != [
        sample_uniform_internal(b._rng, dist) for _ in range(3)
    ]


def test_no_relative_search_space() -> None:
    study = hpo.create_study(sampler=RandomSampler(seed=0))
    trial = study.ask()
    assert trial.relative_search_space == {}
    assert study.sampler.sample_relative(study, trial._cached_frozen_trial, {}) == {}


@pytest.mark.parametrize(
    "dist",
    [
        FloatDistribution(-2.0, 3.0),
        FloatDistribution(1e-4, 1e2, log=True),
        FloatDistribution(0.0, 1.0, step=0.1),
        IntDistribution(-5, 5),
        IntDistribution(1, 1000, log=True),
        IntDistribution(0, 20, step=4),
        CategoricalDistribution(["a", 1, None]),
    ],
)
def test_samples_lie_in_distribution(dist) -> None:
    rng = np.random.RandomState(0)
    for _ in range(300):
        internal = sample_uniform_internal(rng, dist)
        assert dist._contains(internal), internal


def test_all_discrete_values_reachable() -> None:
    rng = np.random.RandomState(0)
    int_dist = IntDistribution(0, 20, step=4)
    assert {sample_uniform_internal(rng, int_dist) for _ in range(300)} == {0, 4, 8, 12, 16, 20}
    step_dist = FloatDistribution(0.0, 1.0, step=0.25)
    seen = {round(sample_uniform_internal(rng, step_dist), 9) for _ in range(300)}
    assert seen == {0.0, 0.25, 0.5, 0.75, 1.0}
    cat = CategoricalDistribution(["a", "b", "c"])
    assert {sample_uniform_internal(rng, cat) for _ in range(100)} == {0.0, 1.0, 2.0}
    int_log = IntDistribution(1, 4, log=True)
    assert {sample_uniform_internal(rng, int_log) for _ in range(300)} == {1, 2, 3, 4}


def test_log_sampling_is_uniform_in_log_space() -> None:
    rng = np.random.RandomState(0)
    dist = FloatDistribution(1e-4, 1.0, log=True)
    logs = [math.log10(sample_uniform_internal(rng, dist)) for _ in range(4000)]
    # A quarter of the mass in each decade: linear sampling would put ~0.01% below 1e-3.
    share_low = sum(1 for v in logs if v < -3) / len(logs)
    assert 0.2 < share_low < 0.3


def test_float_sampling_is_roughly_uniform() -> None:
    rng = np.random.RandomState(1)
    dist = FloatDistribution(0.0, 10.0)
    values = [sample_uniform_internal(rng, dist) for _ in range(4000)]
    assert abs(np.mean(values) - 5.0) < 0.2
    assert min(values) >= 0.0 and max(values) <= 10.0


def test_random_sampler_with_threads() -> None:
    study = hpo.create_study(sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=20, n_jobs=2)
    xs = [t.params["x"] for t in study.trials]
    assert len(xs) == 20 and len(set(xs)) == 20


def test_default_sampler_is_used_when_none_given() -> None:
    study = hpo.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 2
