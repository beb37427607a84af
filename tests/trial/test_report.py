"""Trial.report and Trial.should_prune edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hpo
from hpo.exceptions import UpdateFinishedTrialError
from hpo.pruners import ThresholdPruner


def test_repeated_step_warns_and_keeps_the_first_value() -> None:
    study = hpo.create_study()
    trial = study.ask()
    trial.report(1.0, 3)
    with pytest.warns(UserWarning, match="3"):
        trial.report(2.0, 3)
    assert study._storage.get_trial(trial._trial_id).intermediate_values == {3: 1.0}
    study.tell(trial, 0.0)
    assert study.trials[0].intermediate_values == {3: 1.0}


@pytest.mark.parametrize("value", ["abc", None, [1.0], {"a": 1}])
def test_value_that_is_not_a_number_is_a_type_error_naming_it(value: object) -> None:
    trial = hpo.create_study().ask()
    with pytest.raises(TypeError, match="value") as info:
        trial.report(value, 0)  # type: ignore[arg-type]
    assert type(value).__name__ in str(info.value)
    assert trial.study._storage.get_trial(trial._trial_id).intermediate_values == {}


def test_numbers_castable_to_float_are_stored_as_float() -> None:
    study = hpo.create_study()
    trial = study.ask()
    trial.report(np.float32(0.5), 0)
    trial.report(2, 1)
    trial.report("1.5", 2)  # float("1.5") works, as in Optuna
    trial.report(math.nan, 3)
    values = study._storage.get_trial(trial._trial_id).intermediate_values
    assert [values[0], values[1], values[2]] == [0.5, 2.0, 1.5]
    assert all(type(v) is float for v in values.values())
    assert math.isnan(values[3])


@pytest.mark.parametrize("step, error", [(-1, ValueError), ("x", TypeError), (None, TypeError)])
def test_bad_step(step: object, error: type) -> None:
    trial = hpo.create_study().ask()
    with pytest.raises(error, match="step"):
        trial.report(1.0, step)  # type: ignore[arg-type]


def test_report_after_the_trial_finished_is_an_error() -> None:
    study = hpo.create_study()
    trial = study.ask()
    trial.report(1.0, 0)
    study.tell(trial, 1.0)
    with pytest.raises(UpdateFinishedTrialError):
        trial.report(2.0, 1)
    assert study.trials[0].intermediate_values == {0: 1.0}


def test_report_after_the_trial_was_pruned_is_an_error() -> None:
    study = hpo.create_study(pruner=ThresholdPruner(upper=0.0))

    def objective(trial: hpo.Trial) -> float:
        trial.report(1.0, 0)
        assert trial.should_prune()
        objective.trial = trial  # type: ignore[attr-defined]
        raise hpo.TrialPruned()

    study.optimize(objective, n_trials=1)
    with pytest.raises(UpdateFinishedTrialError):
        objective.trial.report(1.0, 1)  # type: ignore[attr-defined]


def test_multi_objective_report_and_should_prune_are_not_implemented() -> None:
    study = hpo.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.report(1.0, 0)
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.should_prune()
    assert study._storage.get_trial(trial._trial_id).intermediate_values == {}


def test_should_prune_without_reports_is_false() -> None:
    study = hpo.create_study(pruner=ThresholdPruner(upper=0.0))
    assert study.ask().should_prune() is False
