from __future__ import annotations

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import BruteForceSampler

pytestmark = pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")


def test_is_experimental() -> None:
    with pytest.warns(ExperimentalWarning):
        BruteForceSampler()


def test_enumerates_product_space_once_and_stops() -> None:
    def objective(trial) -> float:
        a = trial.suggest_int("a", 0, 2)
        b = trial.suggest_float("b", 0.0, 1.0, step=0.5)
        c = trial.suggest_categorical("c", [True, False])
        return a + b + c

    study = hpo.create_study(sampler=BruteForceSampler(seed=0))
    study.optimize(objective, n_trials=100)
    combos = [(t.params["a"], t.params["b"], t.params["c"]) for t in study.trials]
    assert len(combos) == 18 and len(set(combos)) == 18


def test_conditional_space() -> None:
    def objective(trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return trial.suggest_int("x", 0, 2)
        return trial.suggest_float("y", 0, 1, step=0.5)

    study = hpo.create_study(sampler=BruteForceSampler(seed=1))
    study.optimize(objective, n_trials=50)
    seen = {tuple(sorted(t.params.items())) for t in study.trials}
    assert len(study.trials) == 6 and len(seen) == 6


def test_float_without_step_is_rejected() -> None:
    study = hpo.create_study(sampler=BruteForceSampler())
    with pytest.raises(ValueError, match="step"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)


def test_seed_reproducible() -> None:
    def run(seed: int) -> list[int]:
        study = hpo.create_study(sampler=BruteForceSampler(seed=seed))
        study.optimize(lambda t: t.suggest_int("x", 0, 9), n_trials=10)
        return [t.params["x"] for t in study.trials]

    assert run(0) == run(0)
    assert sorted(run(0)) == list(range(10))


def test_avoid_premature_stop_with_threads() -> None:
    study = hpo.create_study(sampler=BruteForceSampler(seed=0, avoid_premature_stop=True))
    study.optimize(lambda t: t.suggest_int("x", 0, 5), n_trials=30, n_jobs=2)
    assert {t.params["x"] for t in study.trials} == set(range(6))
