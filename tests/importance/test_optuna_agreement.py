"""On identical trials, hpo's evaluators give the importances Optuna's give.

Both use scikit-learn's random forest with the same seed; the fANOVA decomposition, the MDI
aggregation and PED-ANOVA's Parzen estimators are hpo's own code. Compared live against the
installed Optuna.
"""

from __future__ import annotations

import warnings

import pytest

import hpo
from tests.importance.helpers import copy_optuna_study

optuna = pytest.importorskip("optuna")
pytest.importorskip("sklearn")


def _objective(trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 100, log=True)
    kind = trial.suggest_categorical("kind", ["p", "q", "r", "s"])
    w = trial.suggest_float("w", 0, 1, step=0.1)
    lr = trial.suggest_float("lr", 1e-3, 1, log=True)
    m = trial.suggest_int("m", 0, 6, step=2)
    if kind == "p":
        trial.suggest_float("only_p", 0, 1)
    return x**2 + n / 200 + {"p": 0, "q": 3, "r": 1, "s": 2}[kind] + 0.01 * w + lr + 0.1 * m


def _two_objectives(trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    z = trial.suggest_categorical("z", ["a", "b"])
    return x**2 + (z == "a"), (y - 0.5) ** 2


@pytest.fixture(scope="module")
def studies():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    single = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5))
    single.optimize(_objective, n_trials=150)
    multi = optuna.create_study(
        directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=6)
    )
    multi.optimize(_two_objectives, n_trials=120)
    return {"single": single, "multi": multi}


CASES = [
    ("single", "FanovaImportanceEvaluator", {"seed": 0}, None),
    ("single", "FanovaImportanceEvaluator", {"seed": 1, "n_trees": 8, "max_depth": 4}, None),
    ("single", "MeanDecreaseImpurityImportanceEvaluator", {"seed": 0}, None),
    ("single", "PedAnovaImportanceEvaluator", {}, None),
    ("single", "PedAnovaImportanceEvaluator", {"evaluate_on_local": False}, None),
    (
        "single",
        "PedAnovaImportanceEvaluator",
        {"target_quantile": 0.05, "region_quantile": 0.5},
        None,
    ),
    ("multi", "PedAnovaImportanceEvaluator", {}, None),
    ("multi", "PedAnovaImportanceEvaluator", {"target_quantile": 0.2}, None),
    ("multi", "FanovaImportanceEvaluator", {"seed": 0}, 1),
    ("multi", "PedAnovaImportanceEvaluator", {}, 0),
]


@pytest.mark.parametrize(("which", "name", "kwargs", "objective"), CASES)
def test_importances_equal_optunas(studies, which, name, kwargs, objective) -> None:
    study = studies[which]
    target = None if objective is None else (lambda t: t.values[objective])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(optuna.importance, name)(**kwargs).evaluate(study, target=target)
        ours = getattr(hpo.importance, name)(**kwargs).evaluate(
            copy_optuna_study(study), target=target
        )
    assert set(ours) == set(theirs)
    for param, value in theirs.items():
        assert ours[param] == pytest.approx(float(value), rel=1e-9, abs=1e-12), param
