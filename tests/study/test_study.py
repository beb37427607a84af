"""Study attributes: best trial, directions, trial access, attributes, metric names, DataFrame."""

from __future__ import annotations

import pickle
import sys

import pytest

import hpo
from hpo.distributions import FloatDistribution
from hpo.exceptions import ExperimentalWarning
from hpo.study import StudyDirection
from hpo.trial import TrialState


def _study(**kwargs) -> hpo.Study:
    kwargs.setdefault("sampler", hpo.samplers.RandomSampler(seed=0))
    return hpo.create_study(**kwargs)


def _add(study: hpo.Study, value: float, x: float = 0.5, **kwargs) -> None:
    study.add_trial(
        hpo.create_trial(
            params={"x": x}, distributions={"x": FloatDistribution(0, 1)}, value=value, **kwargs
        )
    )


# --- best -----------------------------------------------------------------------------------


@pytest.mark.parametrize("direction, best", [("minimize", -1.0), ("maximize", 3.0)])
def test_best_trial_follows_direction(direction: str, best: float) -> None:
    study = _study(direction=direction)
    for i, v in enumerate([2.0, -1.0, 3.0]):
        _add(study, v, x=i / 10)
    assert study.best_value == best
    assert study.best_trial.value == best
    assert study.best_params == study.best_trial.params
    assert study.direction is StudyDirection[direction.upper()]


def test_best_ignores_unfinished_pruned_and_failed() -> None:
    study = _study()
    study.ask()
    study.tell(study.ask(), state=TrialState.FAIL)
    pruned = study.ask()
    pruned.report(-100.0, 0)
    study.tell(pruned, state=TrialState.PRUNED)
    _add(study, 5.0)
    assert study.best_trial.number == 3


def test_best_without_complete_trials() -> None:
    study = _study()
    study.ask()
    for attr in ("best_trial", "best_value", "best_params"):
        with pytest.raises(ValueError, match="No trials are completed yet"):
            getattr(study, attr)


def test_best_trial_is_a_copy() -> None:
    study = _study()
    _add(study, 1.0)
    study.best_trial.params["x"] = 99
    assert study.best_params == {"x": 0.5}


def test_best_trial_considers_constraints() -> None:
    study = _study()
    _add(study, 0.0, constraints={"c": 1.0})  # best value but infeasible
    _add(study, 2.0, constraints={"c": -1.0})
    _add(study, 3.0, constraints={"c": 0.0})
    assert study.best_trial.number == 1


def test_best_trial_no_feasible() -> None:
    study = _study()
    _add(study, 0.0, constraints={"c": 1.0})
    with pytest.raises(ValueError, match="feasible"):
        _ = study.best_trial


def test_single_objective_accessors_on_multi_objective_study() -> None:
    study = _study(directions=["minimize", "maximize"])
    with pytest.raises(RuntimeError, match="best_trials"):
        _ = study.best_trial
    with pytest.raises(RuntimeError):
        _ = study.best_value
    with pytest.raises(RuntimeError, match="directions"):
        _ = study.direction
    assert study.directions == [StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE]


# --- trials ---------------------------------------------------------------------------------


def test_trials_and_get_trials_states() -> None:
    study = _study()
    _add(study, 1.0)
    study.ask()
    study.enqueue_trial({"x": 0.1})
    assert [t.state for t in study.trials] == [
        TrialState.COMPLETE,
        TrialState.RUNNING,
        TrialState.WAITING,
    ]
    assert [t.number for t in study.get_trials(states=(TrialState.COMPLETE,))] == [0]
    waiting_or_running = study.get_trials(states=(TrialState.RUNNING, TrialState.WAITING))
    assert [t.number for t in waiting_or_running] == [1, 2]
    assert study.get_trials(states=()) == []


def test_get_trials_deepcopy() -> None:
    study = _study()
    _add(study, 1.0)
    copied = study.get_trials(deepcopy=True)
    copied[0].params["x"] = 42
    copied[0].user_attrs["new"] = 1
    assert study.trials[0].params == {"x": 0.5}
    assert study.trials[0].user_attrs == {}
    shared = study.get_trials(deepcopy=False)
    assert shared[0] == study.trials[0]


# --- attributes -----------------------------------------------------------------------------


def test_study_user_attrs() -> None:
    study = _study()
    study.set_user_attr("dataset", "mnist")
    study.set_user_attr("sizes", [1, 2])
    assert study.user_attrs == {"dataset": "mnist", "sizes": [1, 2]}


def test_study_user_attrs_are_a_copy() -> None:
    study = _study()
    study.set_user_attr("sizes", [1, 2])
    study.user_attrs["sizes"].append(3)
    study.user_attrs["other"] = 1
    assert study.user_attrs == {"sizes": [1, 2]}


def test_study_user_attr_non_json_names_key() -> None:
    with pytest.raises(TypeError, match="'bad'"):
        _study().set_user_attr("bad", {1, 2})


def test_metric_names() -> None:
    study = _study(directions=["minimize", "maximize"])
    assert study.metric_names is None
    with pytest.warns(ExperimentalWarning):
        study.set_metric_names(["loss", "acc"])
    assert study.metric_names == ["loss", "acc"]


def test_metric_names_wrong_length() -> None:
    study = _study()
    with pytest.warns(ExperimentalWarning), pytest.raises(ValueError, match=r"1 objective.*2"):
        study.set_metric_names(["a", "b"])


def test_study_pickles() -> None:
    study = _study()
    _add(study, 1.0)
    restored = pickle.loads(pickle.dumps(study))
    assert restored.best_value == 1.0
    restored.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert len(restored.trials) == 2


# --- trials_dataframe -----------------------------------------------------------------------


def test_trials_dataframe_columns_and_values() -> None:
    pd = pytest.importorskip("pandas")
    study = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    study.ask()
    df = study.trials_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [
        "number",
        "value",
        "datetime_start",
        "datetime_complete",
        "duration",
        "params_x",
        "state",
    ]
    assert list(df["state"]) == ["COMPLETE"] * 3 + ["RUNNING"]
    assert list(df["value"][:3]) == [t.value for t in study.trials[:3]]
    assert pd.isna(df["value"][3])


def test_trials_dataframe_multi_index_and_attrs() -> None:
    pytest.importorskip("pandas")
    study = _study()

    def objective(trial) -> float:
        trial.set_user_attr("u", trial.number)
        trial.report(1.0, 0)
        return trial.suggest_float("x", 0, 1)

    study.optimize(objective, n_trials=2)
    df = study.trials_dataframe(attrs=("number", "user_attrs", "intermediate_values"))
    assert list(df.columns) == ["number", "user_attrs_u", "intermediate_values_0"]
    df = study.trials_dataframe(attrs=("number", "value", "params"), multi_index=True)
    assert list(df.columns) == [("number", ""), ("value", ""), ("params", "x")]


def test_trials_dataframe_multi_objective_and_metric_names() -> None:
    pytest.importorskip("pandas")
    study = _study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
    assert list(study.trials_dataframe(attrs=("number", "value")).columns) == [
        "number",
        "values_0",
        "values_1",
    ]
    with pytest.warns(ExperimentalWarning):
        study.set_metric_names(["loss", "acc"])
    assert list(study.trials_dataframe(attrs=("number", "values")).columns) == [
        "number",
        "values_loss",
        "values_acc",
    ]


def test_trials_dataframe_empty_study() -> None:
    pytest.importorskip("pandas")
    assert _study().trials_dataframe().shape == (0, 0)


def test_trials_dataframe_without_pandas_names_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    study = _study()
    _add(study, 1.0)
    with pytest.raises(ImportError, match=r"hpo\[pandas\]"):
        study.trials_dataframe()
