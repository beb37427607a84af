from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import RandomSampler

pytest.importorskip("skopt")

from hpo.integration import SkoptSampler

# Sampling-based acquisition keeps each trial fast; the model is still fitted every trial.
FAST: dict[str, Any] = {
    "n_initial_points": 4,
    "acq_optimizer": "sampling",
    "acq_optimizer_kwargs": {"n_points": 300},
}


def small_et() -> Any:
    from skopt.learning import ExtraTreesRegressor

    return ExtraTreesRegressor(n_estimators=10, min_samples_leaf=3, random_state=0)


def sphere(trial: hpo.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.0) ** 2 for i in range(2))


def mixed(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    n = trial.suggest_int("n", -4, 4, step=2)
    k = trial.suggest_int("k", 1, 100, log=True)
    s = trial.suggest_float("s", 0.0, 1.0, step=0.1)
    c = trial.suggest_categorical("c", [None, True, "a", 1.5])
    return x**2 + (n - 2) ** 2 + (s - 0.3) ** 2 + float(c != "a") + abs(k - 10) / 10 + lr


@pytest.fixture
def hpo_log() -> Iterator[list[str]]:
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    logger = logging.getLogger("hpo")
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


@pytest.mark.parametrize("estimator", ["GP", "RF", "ET", "GBRT"])
def test_every_base_estimator_samples_valid_values(estimator: str) -> None:
    sampler = SkoptSampler(skopt_kwargs={"base_estimator": estimator, **FAST}, seed=0)
    study = hpo.create_study(sampler=sampler)
    study.optimize(mixed, n_trials=6)
    assert len(study.trials) == 6
    for t in study.trials:
        p = t.params
        assert isinstance(p["n"], int) and p["n"] in (-4, -2, 0, 2, 4)
        assert isinstance(p["k"], int) and 1 <= p["k"] <= 100
        assert 1e-4 <= p["lr"] <= 1.0 and type(p["lr"]) is float
        assert abs(p["s"] * 10 - round(p["s"] * 10)) < 1e-8
        assert p["c"] in (None, True, "a", 1.5)


def test_gbrt_workaround_predicts_mean_and_std() -> None:
    import numpy as np

    from hpo.integration._skopt import _compatible_estimator

    model = _compatible_estimator("GBRT")
    X = np.linspace(0, 1, 30).reshape(-1, 1)
    model.fit(X, (X[:, 0] - 0.5) ** 2)
    mean, std = model.predict(X, return_std=True)
    assert mean.shape == std.shape == (30,)
    assert np.all(std >= 0)
    from sklearn.base import is_regressor

    assert is_regressor(model)


def test_gp_beats_random_sampler_on_sphere() -> None:
    wins = 0
    for seed in range(3):
        kwargs = {**FAST, "base_estimator": "GP", "acq_optimizer_kwargs": {"n_points": 500}}
        study = hpo.create_study(sampler=SkoptSampler(skopt_kwargs=kwargs, seed=seed))
        study.optimize(sphere, n_trials=15)
        rnd = hpo.create_study(sampler=RandomSampler(seed=seed))
        rnd.optimize(sphere, n_trials=15)
        wins += study.best_value < rnd.best_value
    assert wins >= 2


def test_maximize_is_respected() -> None:
    kwargs = {**FAST, "base_estimator": "GP", "acq_optimizer_kwargs": {"n_points": 500}}
    study = hpo.create_study(
        direction="maximize", sampler=SkoptSampler(skopt_kwargs=kwargs, seed=0)
    )
    study.optimize(lambda t: -sphere(t), n_trials=14)
    rnd = hpo.create_study(direction="maximize", sampler=RandomSampler(seed=0))
    rnd.optimize(lambda t: -sphere(t), n_trials=14)
    assert study.best_value > rnd.best_value


def test_same_seed_gives_same_trials() -> None:
    runs = []
    for seed in (3, 3, 4):
        sampler = SkoptSampler(skopt_kwargs={**FAST, "base_estimator": small_et()}, seed=seed)
        study = hpo.create_study(sampler=sampler)
        study.optimize(sphere, n_trials=8)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    # Initial random points of skopt differ between trials (a fresh optimizer per trial).
    assert len({tuple(p.values()) for p in runs[0]}) == len(runs[0])


def test_missing_scikit_optimize_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "skopt", None)
    with pytest.raises(ImportError, match=r"hpo\[skopt\]"):
        SkoptSampler()


def test_dimensions_in_skopt_kwargs_are_ignored_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="dimensions"):
        sampler = SkoptSampler(skopt_kwargs={"dimensions": [(0.0, 1.0)], **FAST})
    study = hpo.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=3)


def test_dynamic_parameters_are_sampled_independently_with_a_warning(
    hpo_log: list[str],
) -> None:
    def objective(trial: hpo.Trial) -> float:
        value = trial.suggest_float("x", -1, 1) ** 2
        if trial.number % 2:
            value += trial.suggest_float("y", -1, 1) ** 2
        return value

    study = hpo.create_study(sampler=SkoptSampler(skopt_kwargs=FAST, seed=0))
    study.optimize(objective, n_trials=4)
    warned = [m for m in hpo_log if "sampled independently" in m]
    assert warned and "`y`" in warned[0] and "SkoptSampler" in warned[0]
    hpo_log.clear()
    quiet = SkoptSampler(skopt_kwargs=FAST, seed=0, warn_independent_sampling=False)
    hpo.create_study(sampler=quiet).optimize(objective, n_trials=4)
    assert not [m for m in hpo_log if "sampled independently" in m]


def test_pruned_trials_feed_the_model_when_considered() -> None:
    def pruned(trial: hpo.Trial) -> float:
        trial.report(sphere(trial), step=0)
        raise hpo.TrialPruned()

    with pytest.warns(ExperimentalWarning, match="consider_pruned_trials"):
        sampler = SkoptSampler(skopt_kwargs=FAST, consider_pruned_trials=True, seed=0)
    study = hpo.create_study(sampler=sampler)
    study.optimize(pruned, n_trials=3)
    params, values = sampler._observations(
        study,
        {"x0": study.trials[0].distributions["x0"], "x1": study.trials[0].distributions["x1"]},
    )
    assert len(values) == 3
    plain = SkoptSampler(skopt_kwargs=FAST, seed=0)
    assert plain._observations(study, study.trials[0].distributions) == ([], [])


def test_multi_objective_is_rejected() -> None:
    study = hpo.create_study(directions=["minimize", "maximize"], sampler=SkoptSampler())
    with pytest.raises(ValueError, match="single-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)


def _sqlite(tmp_path: Path) -> Any:
    try:
        return hpo.storages.RDBStorage(f"sqlite:///{tmp_path / 'skopt.db'}")
    except (ImportError, AttributeError) as e:
        pytest.skip(f"RDB storage is not available: {e}")


def _journal(tmp_path: Path) -> Any:
    try:
        backend = hpo.storages.journal.JournalFileBackend(str(tmp_path / "skopt.log"))
        return hpo.storages.JournalStorage(backend)
    except (ImportError, AttributeError) as e:
        pytest.skip(f"journal storage is not available: {e}")


@pytest.mark.parametrize("kind", ["inmemory", "sqlite", "journal"])
def test_works_on_every_storage(kind: str, tmp_path: Path, unique_name: str) -> None:
    storage = {
        "inmemory": lambda: hpo.storages.InMemoryStorage(),
        "sqlite": lambda: _sqlite(tmp_path),
        "journal": lambda: _journal(tmp_path),
    }[kind]()
    reference = hpo.create_study(
        sampler=SkoptSampler(skopt_kwargs={**FAST, "base_estimator": small_et()}, seed=1)
    )
    reference.optimize(sphere, n_trials=7)
    study = hpo.create_study(
        storage=storage,
        study_name=unique_name,
        sampler=SkoptSampler(skopt_kwargs={**FAST, "base_estimator": small_et()}, seed=1),
    )
    study.optimize(sphere, n_trials=7)
    # The sampler holds no history: the storage's trials give the same model and samples.
    assert [t.params for t in study.trials] == [t.params for t in reference.trials]


def test_two_processes_share_one_study(tmp_path: Path, unique_name: str) -> None:
    storage = _sqlite(tmp_path)
    url = f"sqlite:///{tmp_path / 'skopt.db'}"
    hpo.create_study(storage=storage, study_name=unique_name)
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys, hpo\n"
        "hpo.logging.set_verbosity(hpo.logging.WARNING)\n"
        "from skopt.learning import ExtraTreesRegressor\n"
        "kw = {'base_estimator': ExtraTreesRegressor(n_estimators=10, random_state=0),"
        " 'n_initial_points': 4, 'acq_optimizer': 'sampling',"
        " 'acq_optimizer_kwargs': {'n_points': 300}}\n"
        "study = hpo.load_study(study_name=sys.argv[2], storage=sys.argv[1],\n"
        "    sampler=hpo.integration.SkoptSampler(skopt_kwargs=kw, seed=int(sys.argv[3])))\n"
        "study.optimize(lambda t: sum((t.suggest_float(f'x{i}', -5.0, 5.0) - 1.0) ** 2"
        " for i in range(2)), n_trials=4)\n"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), url, unique_name, str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for seed in (0, 1)
    ]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()
    trials = hpo.load_study(study_name=unique_name, storage=storage).trials
    assert len(trials) == 8
    assert all(t.state == hpo.trial.TrialState.COMPLETE for t in trials)


def test_import_hpo_does_not_import_skopt_or_cmaes() -> None:
    code = (
        "import sys, hpo\n"
        "hpo.samplers.CmaEsSampler, hpo.integration.SkoptSampler\n"
        "heavy = [m for m in ('skopt', 'cmaes', 'sklearn') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    with warnings.catch_warnings():
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
