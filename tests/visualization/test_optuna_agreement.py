"""On identical trials, hpo's plotly figures hold the same data as Optuna's.

The whole figure (traces and layout, minus the plotly template) is compared as JSON, with
floats rounded. Compared live against the installed Optuna; nothing from Optuna is stored.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest

import hpo
from tests.importance.helpers import copy_optuna_study

optuna = pytest.importorskip("optuna")
pytest.importorskip("plotly")
pytest.importorskip("sklearn")


def _objective(trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1, log=True)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    n = trial.suggest_int("n", 1, 8)
    c = trial.suggest_categorical("c", [1, 2.5, 10])
    if kind == "a":
        trial.suggest_float("only_a", 0, 1)
    for step in range(3):
        trial.report(x**2 / (step + 1), step)
    trial.set_user_attr("note", f"trial {trial.number}")
    trial.storage.set_trial_system_attr(trial._trial_id, "constraints", [x - 3.0])
    if trial.number == 7:
        return float("nan")
    return x**2 + lr + n + c


def _two_objectives(trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    return x, trial.suggest_float("y", 0, 1) + trial.suggest_int("n", 0, 3) - x


@pytest.fixture(scope="module")
def pair():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    single = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    single.optimize(_objective, n_trials=25)
    multi = optuna.create_study(
        directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=1)
    )
    multi.optimize(_two_objectives, n_trials=30)
    empty = optuna.create_study()
    return {
        name: (study, copy_optuna_study(study))
        for name, study in (("single", single), ("multi", multi), ("empty", empty))
    }


def _normalise(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _normalise(v) for k, v in obj.items() if k != "template"}
    if isinstance(obj, list):
        return [_normalise(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isnan(obj) else round(obj, 9)
    if isinstance(obj, str) and obj.endswith("<extra></extra>"):
        return obj.split(":")[0]  # importance hover text carries the unrounded float
    return obj


def _figure(module: Any, name: str, study: Any, kwargs: dict) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = getattr(module.visualization, name)(study, **kwargs)
    return _normalise(json.loads(fig.to_json()))


CASES = [
    ("single", "plot_optimization_history", {}),
    ("single", "plot_optimization_history", {"target": lambda t: -t.value, "target_name": "neg"}),
    ("single", "plot_intermediate_values", {}),
    ("single", "plot_contour", {}),
    ("single", "plot_contour", {"params": ["x", "lr"]}),
    ("single", "plot_contour", {"params": ["kind", "n"]}),
    ("single", "plot_contour", {"params": ["only_a", "n"]}),
    ("single", "plot_parallel_coordinate", {}),
    ("single", "plot_parallel_coordinate", {"params": ["x", "only_a", "c"]}),
    ("single", "plot_edf", {}),
    ("single", "plot_rank", {}),
    ("single", "plot_rank", {"params": ["x", "kind"]}),
    ("single", "plot_param_importances", {}),
    ("single", "plot_slice", {"params": ["x", "lr", "n", "only_a"]}),  # numeric params only
    ("multi", "plot_parallel_coordinate", {}),
    ("multi", "plot_param_importances", {}),
    ("multi", "plot_pareto_front", {}),
    ("multi", "plot_pareto_front", {"include_dominated_trials": False}),
    ("multi", "plot_hypervolume_history", {"reference_point": [1.0, 0.0]}),
    ("multi", "plot_slice", {"target": lambda t: t.values[1], "target_name": "v1"}),
    ("empty", "plot_optimization_history", {}),
    ("empty", "plot_slice", {}),
    ("empty", "plot_contour", {}),
    ("empty", "plot_parallel_coordinate", {}),
    ("empty", "plot_rank", {}),
    ("empty", "plot_edf", {}),
]


@pytest.mark.parametrize(("which", "name", "kwargs"), CASES)
def test_figure_equals_optunas(pair, which: str, name: str, kwargs: dict) -> None:
    theirs, ours = pair[which]
    assert _figure(hpo, name, ours, kwargs) == _figure(optuna, name, theirs, kwargs)


def test_categorical_slice_also_shows_infeasible_trials(pair) -> None:
    # Deliberate difference: Optuna drops infeasible trials from categorical slice panels.
    _, ours = pair["single"]
    fig = hpo.visualization.plot_slice(ours, params=["kind"])
    infeasible = [
        t
        for t in ours.trials
        if any(v > 0 for v in t.constraints.values()) and math.isfinite(t.value)
    ]
    assert infeasible
    assert len(fig.data[1].x) == len(infeasible)
