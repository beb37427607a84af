from __future__ import annotations

import datetime

import pytest

from hpo.distributions import FloatDistribution, IntDistribution
from hpo.trial import BaseTrial, FixedTrial


def test_fixed_trial_returns_given_values() -> None:
    trial = FixedTrial({"x": 1.5, "n": 3, "c": "b"}, number=7)
    assert isinstance(trial, BaseTrial)
    assert trial.suggest_float("x", 0, 2) == 1.5
    assert trial.suggest_int("n", 0, 5) == 3
    assert trial.suggest_categorical("c", ["a", "b"]) == "b"
    assert trial.params == {"x": 1.5, "n": 3, "c": "b"}
    assert trial.distributions["x"] == FloatDistribution(0, 2)
    assert trial.distributions["n"] == IntDistribution(0, 5)
    assert trial.number == 7
    assert isinstance(trial.datetime_start, datetime.datetime)


def test_fixed_trial_params_only_lists_suggested() -> None:
    trial = FixedTrial({"x": 1.0, "unused": 2})
    trial.suggest_float("x", 0, 2)
    assert trial.params == {"x": 1.0}


def test_fixed_trial_casts_types() -> None:
    trial = FixedTrial({"x": 2, "n": 2.0})
    assert trial.suggest_float("x", 0, 3) == 2.0
    n = trial.suggest_int("n", 0, 3)
    assert n == 2 and isinstance(n, int)


def test_fixed_trial_missing_value_names_param() -> None:
    with pytest.raises(ValueError, match="'y'"):
        FixedTrial({"x": 1.0}).suggest_float("y", 0, 1)


def test_fixed_trial_out_of_range_warns() -> None:
    with pytest.warns(UserWarning, match="'x'"):
        assert FixedTrial({"x": 5.0}).suggest_float("x", 0, 1) == 5.0


def test_fixed_trial_categorical_not_in_choices() -> None:
    with pytest.raises(ValueError, match="'z'"):
        FixedTrial({"c": "z"}).suggest_categorical("c", ["a", "b"])


def test_fixed_trial_incompatible_redefinition() -> None:
    trial = FixedTrial({"x": 1})
    trial.suggest_float("x", 0, 2)
    with pytest.raises(ValueError, match="different distribution kind"):
        trial.suggest_int("x", 0, 2)


@pytest.mark.parametrize(
    "method, args",
    [
        ("suggest_uniform", (0.0, 1.0)),
        ("suggest_loguniform", (0.1, 1.0)),
        ("suggest_discrete_uniform", (0.0, 1.0, 0.5)),
    ],
)
def test_fixed_trial_deprecated_suggest(method: str, args) -> None:
    with pytest.warns(FutureWarning, match=method):
        assert getattr(FixedTrial({"p": 0.5}), method)("p", *args) == 0.5


def test_fixed_trial_report_prune_attrs_constraints() -> None:
    trial = FixedTrial({})
    trial.report(1.0, 0)
    assert trial.should_prune() is False
    trial.set_user_attr("a", 1)
    assert trial.user_attrs == {"a": 1}
    trial.set_constraint("c", 0.5)
    assert trial.constraints == {"c": 0.5}


def test_objective_runs_on_fixed_trial() -> None:
    def objective(trial) -> float:
        x = trial.suggest_float("x", -10, 10)
        return (x - 2) ** 2

    assert objective(FixedTrial({"x": 4.0})) == 4.0
