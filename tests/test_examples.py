"""Optuna-style programs run unchanged with ``import hpo as optuna``.

The scripts follow the minituna examples (a quadratic; categorical / int / loguniform
parameters; pruning with report / should_prune and the median rule) plus examples/quickstart.py.
Each script starts with ``import hpo as optuna``; it is also run with ``import optuna as optuna``
when Optuna is installed, to show the script is plain Optuna code.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
import warnings

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

QUADRATIC = """
def objective(trial):
    x = trial.suggest_uniform("x", 0, 10)
    y = trial.suggest_uniform("y", 0, 10)
    return (x - 3) ** 2 + (y - 5) ** 2

study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.optimize(objective, n_trials=30)
best_trial = study.best_trial
result = (study.best_value, best_trial.params, len(study.trials))
"""

MIXED_SPACE = """
def objective(trial):
    classifier = trial.suggest_categorical("classifier", ["SVC", "RandomForest"])
    if classifier == "SVC":
        c = trial.suggest_loguniform("svc_c", 1e-10, 1e10)
        return abs(optuna_log10(c))
    depth = trial.suggest_int("rf_max_depth", 2, 32)
    return abs(depth - 10)

import math
optuna_log10 = math.log10
study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
study.optimize(objective, n_trials=40)
result = (study.best_value, study.best_params, len(study.trials))
"""

PRUNING = """
def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    loss = None
    for step in range(10):
        loss = (x - 2) ** 2 + 10.0 / (step + 1)
        trial.report(loss, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return loss

study = optuna.create_study(
    sampler=optuna.samplers.RandomSampler(seed=2),
    pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
)
study.optimize(objective, n_trials=30)
states = [t.state for t in study.trials]
pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
result = (
    states.count(optuna.trial.TrialState.COMPLETE),
    len(pruned),
    all(t.value == t.intermediate_values[t.last_step] for t in pruned),
)
"""

ASK_TELL = """
study = optuna.create_study(direction="maximize")
study.enqueue_trial({"x": 1.0})
for _ in range(5):
    trial = study.ask()
    x = trial.suggest_float("x", 0, 1)
    study.tell(trial, x)
frozen = study.trials[0]
result = (frozen.params, study.best_value <= 1.0, len(study.get_trials(states=(optuna.trial.TrialState.COMPLETE,))))
"""


LIBS = ["hpo", "optuna"]


def _run(script: str, lib: str) -> object:
    module = pytest.importorskip(lib)
    module.logging.set_verbosity(module.logging.WARNING)
    namespace: dict = {}
    source = f"import {lib} as optuna\n" + script
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # suggest_uniform / suggest_loguniform
        exec(compile(source, f"<{lib} example>", "exec"), namespace)
    return namespace["result"]


@pytest.mark.parametrize("lib", LIBS)
def test_quadratic(lib: str) -> None:
    best_value, params, n_trials = _run(QUADRATIC, lib)
    assert n_trials == 30
    assert set(params) == {"x", "y"}
    assert best_value == pytest.approx((params["x"] - 3) ** 2 + (params["y"] - 5) ** 2)
    assert best_value < 5.0


@pytest.mark.parametrize("lib", LIBS)
def test_categorical_int_loguniform(lib: str) -> None:
    best_value, params, n_trials = _run(MIXED_SPACE, lib)
    assert n_trials == 40
    assert params["classifier"] in ("SVC", "RandomForest")
    if params["classifier"] == "SVC":
        assert 1e-10 <= params["svc_c"] <= 1e10
    else:
        assert isinstance(params["rf_max_depth"], int)
    assert best_value < 2.0


@pytest.mark.parametrize("lib", LIBS)
def test_pruning_with_median_rule(lib: str) -> None:
    n_complete, n_pruned, pruned_values_ok = _run(PRUNING, lib)
    assert n_complete >= 3
    assert n_pruned >= 5
    assert pruned_values_ok


@pytest.mark.parametrize("lib", LIBS)
def test_ask_tell_and_enqueue(lib: str) -> None:
    params, best_ok, n_complete = _run(ASK_TELL, lib)
    assert params == {"x": 1.0}
    assert best_ok and n_complete == 5


# Every script in examples/, its arguments, and lines its output must contain.
EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "quickstart.py": ([], ["Best value:", "Trials run: 100"]),
    "visualization.py": (["{tmp}"], ["Importances:", "Wrote ", "importances.html"]),
    "sklearn_search.py": ([], ["SVC held-out accuracy:", "pruned"]),
    "distributed_postgres.py": (
        ["--storage", "{postgres}", "--study-name", "{name}", "--workers", "2", "--trials", "5"],
        ["10 trials from 2 workers", "trial numbers dense and unique: True"],
    ),
}


def test_every_example_is_run_by_this_file() -> None:
    assert {p.name for p in (ROOT / "examples").glob("*.py")} == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name: str, request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> None:
    args, expected = EXAMPLES[name]
    if "{postgres}" in args:
        from tests.storages._rdb_databases import _fresh_database

        database = _fresh_database(request.getfixturevalue("postgres_url"))
        request.addfinalizer(lambda: next(database, None))
        url = next(database)
    else:
        url = ""
    values = {"tmp": str(tmp_path), "postgres": url, "name": f"example-{tmp_path.name}"}
    argv = [arg.format(**values) for arg in args]
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *argv],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    for line in expected:
        assert line in out.stdout, out.stdout
