"""What a pruned trial looks like after ``optimize``, and the default pruner."""

from __future__ import annotations

import math

import hpo
from hpo.pruners import MedianPruner, ThresholdPruner
from hpo.trial import TrialState


def objective_reporting(values: list[float]):  # type: ignore[no-untyped-def]
    def objective(trial: hpo.Trial) -> float:
        for step, v in enumerate(values):
            trial.report(v, step)
            if trial.should_prune():
                raise hpo.TrialPruned()
        return 42.0

    return objective


def test_pruned_trial_state_and_value_is_the_last_report() -> None:
    study = hpo.create_study(pruner=ThresholdPruner(upper=1.0))
    study.optimize(objective_reporting([0.5, 0.7, 3.0, 0.1]), n_trials=1)
    (trial,) = study.trials
    assert trial.state is TrialState.PRUNED
    assert trial.value == 3.0
    assert trial.intermediate_values == {0: 0.5, 1: 0.7, 2: 3.0}
    assert trial.datetime_complete is not None


def test_pruned_trial_with_nan_last_report_has_no_value() -> None:
    study = hpo.create_study(pruner=ThresholdPruner(upper=1.0))
    study.optimize(objective_reporting([0.5, math.nan]), n_trials=1)
    (trial,) = study.trials
    assert trial.state is TrialState.PRUNED
    assert trial.value is None


def test_trial_that_survives_completes_with_its_return_value() -> None:
    study = hpo.create_study(pruner=ThresholdPruner(upper=1.0))
    study.optimize(objective_reporting([0.5, 0.7]), n_trials=1)
    assert study.trials[0].state is TrialState.COMPLETE
    assert study.trials[0].value == 42.0


def test_default_pruner_is_median_and_prunes_bad_trials() -> None:
    study = hpo.create_study()
    assert isinstance(study.pruner, MedianPruner)
    for curve in ([1.0] * 5, [2.0] * 5, [3.0] * 5, [4.0] * 5, [5.0] * 5):
        study.optimize(objective_reporting(curve), n_trials=1)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)  # 5 startup trials
    study.optimize(objective_reporting([9.0] * 5), n_trials=1)
    assert study.trials[-1].state is TrialState.PRUNED
    assert study.trials[-1].intermediate_values == {0: 9.0}
