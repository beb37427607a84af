"""Terminator and TerminatorCallback: when a study stops, warnings, and errors."""

from __future__ import annotations

import warnings

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.terminator import (
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
    Terminator,
    TerminatorCallback,
    report_cross_validation_scores,
)
from tests.terminator.helpers import SILENCE, quadratic, quadratic_3d, study_with_values, tpe_study

pytestmark = pytest.mark.filterwarnings(*SILENCE)


def test_terminator_waits_for_min_n_trials_completed_trials() -> None:
    # An error this large would stop the study at once; only min_n_trials holds it back.
    terminator = Terminator(RegretBoundEvaluator(seed=0), StaticErrorEvaluator(1e9), 5)
    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
    for _ in range(4):
        study.optimize(quadratic, n_trials=1)
        study.optimize(lambda t: float("nan"), n_trials=1)  # failed trials do not count
        assert not terminator.should_terminate(study)
    study.optimize(quadratic, n_trials=1)
    assert terminator.should_terminate(study)


def test_terminator_stops_a_converged_study_but_not_an_early_one() -> None:
    terminator = Terminator(RegretBoundEvaluator(seed=0), StaticErrorEvaluator(1.0))
    assert terminator.should_terminate(tpe_study(100))
    early = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
    early.optimize(quadratic_3d, n_trials=20)
    assert not terminator.should_terminate(early)


def test_terminator_with_stagnation_stops_when_the_best_is_stale() -> None:
    # Defaults to StaticErrorEvaluator(0): stop once more than 2 trials followed the best.
    terminator = Terminator(BestValueStagnationEvaluator(2), min_n_trials=1)
    assert isinstance(terminator._error_evaluator, StaticErrorEvaluator)
    assert not terminator.should_terminate(study_with_values([5, 4, 6, 7]))
    assert terminator.should_terminate(study_with_values([5, 4, 6, 7, 8]))
    assert not terminator.should_terminate(study_with_values([5, 4, 6, 7, 3]))


def test_default_evaluators() -> None:
    terminator = Terminator()
    assert isinstance(terminator._improvement_evaluator, RegretBoundEvaluator)
    assert isinstance(terminator._error_evaluator, CrossValidationErrorEvaluator)
    assert terminator._min_n_trials == 20


def _cv_objective(spread: float):
    def objective(trial: hpo.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        scores = [(x - 1.0) ** 2 + d for d in (-spread, 0.0, spread)]
        report_cross_validation_scores(trial, scores)
        return sum(scores) / len(scores)

    return objective


def test_callback_stops_optimize_once_improvement_is_below_the_cv_error() -> None:
    # Fold scores spread by +-1 (error ~0.75): by 20 trials the regret bound is below that.
    study = hpo.create_study(sampler=hpo.samplers.TPESampler(seed=0))
    callback = TerminatorCallback(Terminator(RegretBoundEvaluator(seed=0)))
    study.optimize(_cv_objective(1.0), n_trials=100, callbacks=[callback])
    assert 20 <= len(study.trials) < 100


def test_callback_keeps_going_while_the_cv_error_is_tiny() -> None:
    study = hpo.create_study(sampler=hpo.samplers.TPESampler(seed=0))
    callback = TerminatorCallback(Terminator(RegretBoundEvaluator(seed=0)))
    study.optimize(_cv_objective(1e-3), n_trials=25, callbacks=[callback])
    assert len(study.trials) == 25


def test_multi_objective_study_raises_once_termination_is_considered() -> None:
    study = hpo.create_study(directions=["minimize", "minimize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=3)
    assert not Terminator(min_n_trials=4).should_terminate(study)
    with pytest.raises(RuntimeError, match="multi-objective"):
        Terminator(min_n_trials=3).should_terminate(study)
    with pytest.raises(RuntimeError, match="multi-objective"):
        TerminatorCallback(Terminator(min_n_trials=1))(study, study.trials[-1])


def test_min_n_trials_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive integer"):
        Terminator(min_n_trials=0)


@pytest.mark.filterwarnings("default")
def test_deprecation_and_experimental_warnings() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TerminatorCallback()
    messages = [(w.category, str(w.message).split(" (")[0].split(" has ")[0]) for w in caught]
    assert messages == [
        (FutureWarning, "`hpo.terminator` module"),
        (FutureWarning, "`hpo.terminator` module"),
        (ExperimentalWarning, "RegretBoundEvaluator is experimental"),
        (ExperimentalWarning, "CrossValidationErrorEvaluator is experimental"),
    ]
    assert caught[0].filename == __file__  # attributed to the caller
    for make, version in (
        (lambda: BestValueStagnationEvaluator(), "3.4.0"),
        (lambda: StaticErrorEvaluator(0), "3.2.0"),
        (lambda: hpo.terminator.EMMREvaluator(), "4.0.0"),
    ):
        with pytest.warns(ExperimentalWarning, match=f"supported from v{version}"):
            make()
    with pytest.warns(FutureWarning, match="deprecated in v4.9.0. .* removed in v6.0.0"):
        report_cross_validation_scores(hpo.create_study().ask(), [1.0, 2.0])
