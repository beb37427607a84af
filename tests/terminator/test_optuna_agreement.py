"""On identical trials hpo's evaluators agree with Optuna 5.0's.

Deterministic evaluators agree exactly; the regret bound within a factor, since the Gaussian
processes are fitted by different code. Compared live against the installed Optuna.
"""

from __future__ import annotations

from typing import Any

import pytest

import hpo
from tests.importance.helpers import copy_optuna_study
from tests.terminator.helpers import SILENCE

optuna = pytest.importorskip("optuna")
pytest.importorskip("optuna.terminator")

pytestmark = pytest.mark.filterwarnings(*SILENCE)


def _mixed_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-3, 1, log=True)
    n = trial.suggest_int("n", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    scores = [
        (x - 1) ** 2 + (n - 3) ** 2 / 4 + (kind != "b") + abs(lr - 0.1) + d for d in (-1, 0, 2)
    ]
    trial.storage.set_trial_system_attr(trial._trial_id, "terminator:cv_scores", scores)
    if trial.number % 7 == 6:
        raise ValueError("a failed trial")
    return sum(scores) / 3


@pytest.fixture(scope="module", params=["minimize", "maximize"])
def pair(request) -> tuple[Any, hpo.Study]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        direction=request.param, sampler=optuna.samplers.TPESampler(seed=0)
    )
    study.optimize(_mixed_objective, n_trials=45, catch=(ValueError,))
    return study, copy_optuna_study(study)


def _evaluate(make: Any, pair: tuple[Any, hpo.Study], n: int | None = None) -> list[float]:
    results = []
    for lib, study in zip((optuna, hpo), pair):
        trials = study.get_trials()[:n]
        results.append(make(lib.terminator).evaluate(trials, study.direction))
    return results


@pytest.mark.parametrize("n", [1, 10, 30, None])
def test_stagnation_agrees_exactly(pair, n) -> None:
    ours, theirs = _evaluate(lambda T: T.BestValueStagnationEvaluator(8), pair, n)[::-1]
    assert ours == theirs


def test_cross_validation_error_agrees_exactly(pair) -> None:
    theirs, ours = _evaluate(lambda T: T.CrossValidationErrorEvaluator(), pair)
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("n", [12, None])
def test_regret_bound_agrees_within_a_factor(pair, n) -> None:
    pytest.importorskip("torch")  # Optuna's regret bound fits its GP with torch
    theirs, ours = _evaluate(lambda T: T.RegretBoundEvaluator(seed=0), pair, n)
    assert theirs / 3 < ours < theirs * 3


def test_terminators_agree_on_a_stagnating_study(pair) -> None:
    decisions = []
    for lib, study in zip((optuna, hpo), pair):
        terminator = lib.terminator.Terminator(
            lib.terminator.BestValueStagnationEvaluator(5), min_n_trials=10
        )
        decisions.append(terminator.should_terminate(study))
    assert decisions[0] == decisions[1]
