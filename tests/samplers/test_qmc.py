from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import QMCSampler, RandomSampler
from hpo.samplers._qmc import _SAMPLE_ID_KEY

qmc = pytest.importorskip("scipy.stats.qmc")


@pytest.fixture(autouse=True)
def _no_experimental_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


@pytest.fixture
def hpo_caplog(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    hpo.logging.enable_propagation()
    caplog.set_level(logging.WARNING, logger="hpo")
    yield caplog
    hpo.logging.disable_propagation()


def _xy(trial: hpo.trial.Trial) -> float:
    return trial.suggest_float("x", 0, 1) + trial.suggest_float("y", 0, 1)


def _sample_ids(study: hpo.Study) -> list[int]:
    return [
        v for t in study.trials for k, v in t.system_attrs.items() if k.startswith(_SAMPLE_ID_KEY)
    ]


def test_invalid_qmc_type_names_the_value() -> None:
    with pytest.raises(ValueError, match="'lhs'.*halton.*sobol"):
        QMCSampler(qmc_type="lhs")


def test_construction_emits_experimental_warning() -> None:
    with pytest.warns(ExperimentalWarning, match="QMCSampler"):
        QMCSampler()


@pytest.mark.parametrize("qmc_type", ["sobol", "halton"])
def test_trials_after_the_first_follow_the_unscrambled_sequence(qmc_type: str) -> None:
    study = hpo.create_study(sampler=QMCSampler(qmc_type=qmc_type))
    study.optimize(lambda t: t.suggest_float("x", -2, 2), n_trials=9)
    engine = qmc.Sobol(1, scramble=False) if qmc_type == "sobol" else qmc.Halton(1, scramble=False)
    expected = -2 + 4 * engine.random(8)[:, 0]
    got = [t.params["x"] for t in study.trials[1:]]
    np.testing.assert_allclose(got, expected)
    assert _sample_ids(study) == list(range(8))


def test_qmc_covers_the_unit_square_more_evenly_than_random() -> None:
    def points(sampler: hpo.samplers.BaseSampler) -> np.ndarray:
        study = hpo.create_study(sampler=sampler)
        study.optimize(_xy, n_trials=65)
        return np.array([[t.params["x"], t.params["y"]] for t in study.trials[1:]])

    qmc_points = points(QMCSampler(scramble=True, seed=0))
    random_points = points(RandomSampler(seed=0))
    assert qmc.discrepancy(qmc_points) < 0.5 * qmc.discrepancy(random_points)


def test_scrambled_sequence_is_reproducible_with_a_seed() -> None:
    def params(seed: int) -> list[dict]:
        study = hpo.create_study(sampler=QMCSampler(scramble=True, seed=seed))
        study.optimize(_xy, n_trials=8)
        return [t.params for t in study.trials]

    assert params(3) == params(3)
    assert params(3)[1:] != params(4)[1:]


def test_reseed_rng_keeps_the_scrambling_seed() -> None:
    sampler = QMCSampler(scramble=True, seed=5)
    sampler.reseed_rng()
    assert sampler._seed == 5


def test_mixed_distributions_stay_in_range_and_categories_are_balanced() -> None:
    def objective(trial: hpo.trial.Trial) -> float:
        trial.suggest_int("n", 1, 1000, log=True)
        trial.suggest_float("q", 0.0, 1.0, step=0.25)
        trial.suggest_int("k", -3, 3, step=2)
        trial.suggest_categorical("c", ["a", "b", "c", "d"])
        return 0.0

    study = hpo.create_study(sampler=QMCSampler(seed=0))
    study.optimize(objective, n_trials=33)
    for t in study.trials:
        for name, value in t.params.items():
            dist = t.distributions[name]
            assert dist._contains(dist.to_internal_repr(value))
    counts = {c: sum(t.params["c"] == c for t in study.trials[1:]) for c in "abcd"}
    assert counts == {"a": 8, "b": 8, "c": 8, "d": 8}


def test_threads_never_share_a_sample_index() -> None:
    study = hpo.create_study(sampler=QMCSampler(seed=0))
    study.optimize(_xy, n_trials=40, n_jobs=2)
    ids = _sample_ids(study)
    assert len(ids) >= 36
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == list(range(len(ids)))
    points = {(t.params["x"], t.params["y"]) for t in study.trials}
    assert len(points) == len(study.trials)


def test_an_index_taken_by_another_worker_is_claimed_again() -> None:
    study = hpo.create_study(sampler=QMCSampler(seed=0))
    study.optimize(_xy, n_trials=3)
    running = study.ask()
    running.suggest_float("x", 0, 1)
    (key,) = [k for k in study.system_attrs if k.startswith("qmc:")]
    taken = study.system_attrs[key]
    # Another process read the counter before `running` advanced it.
    study.set_system_attr(key, taken - 1)
    late = study.ask()
    late.suggest_float("x", 0, 1)
    late_id = study._storage.get_trial(late._trial_id).system_attrs[f"{_SAMPLE_ID_KEY}:{key}"]
    assert late_id == taken + 1
    assert late.params["x"] != running.params["x"]


def test_first_trial_uses_the_independent_sampler() -> None:
    study = hpo.create_study(sampler=QMCSampler(independent_sampler=RandomSampler(seed=1)))
    study.optimize(_xy, n_trials=1)
    reference = hpo.create_study(sampler=RandomSampler(seed=1))
    reference.optimize(_xy, n_trials=1)
    assert study.trials[0].params == reference.trials[0].params
    assert _sample_ids(study) == []


def test_asynchronous_seeding_warning(hpo_caplog: pytest.LogCaptureFixture) -> None:
    QMCSampler(scramble=True)
    assert "No seed is provided for `QMCSampler`" in hpo_caplog.text
    hpo_caplog.clear()
    QMCSampler(scramble=True, seed=0)
    QMCSampler(scramble=False)
    QMCSampler(scramble=True, warn_asynchronous_seeding=False)
    assert "No seed" not in hpo_caplog.text


@pytest.mark.parametrize("warn", [True, False])
def test_independent_sampling_warning(hpo_caplog: pytest.LogCaptureFixture, warn: bool) -> None:
    def objective(trial: hpo.trial.Trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        if trial.number > 0:
            trial.suggest_float("extra", 0, 1)
        return x

    study = hpo.create_study(sampler=QMCSampler(warn_independent_sampling=warn))
    study.optimize(objective, n_trials=2)
    message = "The parameter `extra` in Trial#1 is sampled independently"
    assert (message in hpo_caplog.text) is warn


def test_conditional_running_trials_warning(hpo_caplog: pytest.LogCaptureFixture) -> None:
    study = hpo.create_study(sampler=QMCSampler(seed=0))
    study.ask().suggest_float("x", 0, 1)
    study.ask().suggest_float("y", 0, 1)
    study.ask()
    assert "does not include any conditions" in hpo_caplog.text


def test_sampler_pickles() -> None:
    sampler = pickle.loads(pickle.dumps(QMCSampler(scramble=True, seed=2)))
    study = hpo.create_study(sampler=sampler)
    study.optimize(_xy, n_trials=3)
    assert len(study.trials) == 3


def test_importing_the_sampler_does_not_import_scipy() -> None:
    code = "import sys, hpo.samplers._qmc; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.filterwarnings("ignore")
def test_points_match_optuna_for_the_same_seed() -> None:
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: hpo.trial.Trial) -> float:
        # Suggested in name order: Optuna lays out dimensions in suggestion order, hpo by name.
        trial.suggest_float("a", 1e-3, 10, log=True)
        trial.suggest_int("b", -5, 5)
        trial.suggest_categorical("c", [1, 2, 3])
        trial.suggest_float("d", 0, 1, step=0.1)
        trial.suggest_int("e", 1, 64, log=True)
        return 0.0

    params = []
    for lib in (hpo, optuna):
        study = lib.create_study(sampler=lib.samplers.QMCSampler(scramble=True, seed=3))
        study.enqueue_trial({"a": 1.0, "b": 0, "c": 1, "d": 0.5, "e": 8})
        study.optimize(objective, n_trials=16)
        params.append([t.params for t in study.trials])
    assert params[0] == params[1]
