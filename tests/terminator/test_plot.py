"""plot_terminator_improvement (plotly and matplotlib) draws what Optuna's draws."""

from __future__ import annotations

import json
from typing import Any

import pytest

import hpo
from tests.importance.helpers import copy_optuna_study
from tests.terminator.helpers import SILENCE

optuna = pytest.importorskip("optuna")
pytest.importorskip("optuna.terminator")
pytest.importorskip("plotly")

pytestmark = pytest.mark.filterwarnings(*SILENCE)


def _objective(trial: Any) -> float:
    x = trial.suggest_float("x", -5, 5)
    scores = [(x - 1) ** 2 + d for d in (-0.5, 0.0, 0.5)]
    trial.storage.set_trial_system_attr(trial._trial_id, "terminator:cv_scores", scores)
    if trial.number == 4:
        raise ValueError("a failed trial")
    return sum(scores) / 3


def _pair(n_trials: int) -> tuple[Any, hpo.Study]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=n_trials, catch=(ValueError,))
    return study, copy_optuna_study(study)


@pytest.fixture(scope="module")
def pair() -> tuple[Any, hpo.Study]:
    return _pair(25)


def _figure(lib: Any, study: Any, **kwargs: Any) -> dict:
    if kwargs.get("improvement_evaluator") == "stagnation":
        kwargs["improvement_evaluator"] = lib.terminator.BestValueStagnationEvaluator(6)
    elif kwargs.get("improvement_evaluator") == "regret":
        kwargs["improvement_evaluator"] = lib.terminator.RegretBoundEvaluator(seed=0)
    figure = json.loads(lib.visualization.plot_terminator_improvement(study, **kwargs).to_json())
    figure["layout"].pop("template")
    return figure


@pytest.mark.parametrize(
    "kwargs",
    [
        {"improvement_evaluator": "stagnation"},
        {"improvement_evaluator": "stagnation", "plot_error": True},
        {"improvement_evaluator": "stagnation", "plot_error": True, "min_n_trials": 30},
        {"improvement_evaluator": "stagnation", "error_evaluator": "cv", "plot_error": True},
    ],
)
def test_plotly_figure_equals_optunas(pair, kwargs) -> None:
    figures = []
    for lib, study in zip((optuna, hpo), pair):
        args = dict(kwargs)
        if args.get("error_evaluator") == "cv":
            args["error_evaluator"] = lib.terminator.CrossValidationErrorEvaluator()
        figures.append(_figure(lib, study, **args))
    assert figures[1] == figures[0]


def test_plotly_regret_bound_figure_matches_optunas_within_a_factor() -> None:
    pytest.importorskip("torch")  # Optuna's regret bound fits its GP with torch
    # One Gaussian-process fit per trial: a short study, with min_n_trials inside it.
    theirs, ours = (
        _figure(lib, study, improvement_evaluator="regret", plot_error=True, min_n_trials=8)
        for lib, study in zip((optuna, hpo), _pair(14))
    )
    assert [t["x"] for t in ours["data"]] == [t["x"] for t in theirs["data"]]
    assert ours["data"][2]["y"] == pytest.approx(theirs["data"][2]["y"])  # the CV error
    for trace_ours, trace_theirs in zip(ours["data"][:2], theirs["data"][:2]):
        assert {k: v for k, v in trace_ours.items() if k != "y"} == {
            k: v for k, v in trace_theirs.items() if k != "y"
        }
        # From the second trial on (the first one's bound is ~0 in both).
        for a, b in zip(trace_ours["y"][1:], trace_theirs["y"][1:]):
            assert b / 3 < a < b * 3


def test_matplotlib_draws_the_same_lines_as_optuna(pair) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    lines = []
    limits = []
    for lib, study in zip((optuna, hpo), pair):
        ax = lib.visualization.matplotlib.plot_terminator_improvement(
            study,
            plot_error=True,
            improvement_evaluator=lib.terminator.BestValueStagnationEvaluator(6),
            min_n_trials=10,
        )
        lines.append(
            [
                (
                    list(line.get_xdata()),
                    list(line.get_ydata()),
                    line.get_label(),
                    line.get_alpha(),
                )
                for line in ax.get_lines()
            ]
        )
        limits.append(ax.get_ylim())
        assert ax.get_title() == "Terminator Improvement Plot"
        assert ax.get_xlabel() == "Trial" and ax.get_ylabel() == "Terminator Improvement"
        plt.close("all")
    assert lines[1] == lines[0]
    assert limits[1] == pytest.approx(limits[0])


def test_empty_study_warns_and_draws_nothing(caplog) -> None:
    hpo.logging.enable_propagation()
    try:
        figure = hpo.visualization.plot_terminator_improvement(hpo.create_study())
    finally:
        hpo.logging.disable_propagation()
    assert len(figure.data) == 0
    assert "There are no complete trials." in caplog.text


def test_multi_objective_study_is_rejected() -> None:
    study = hpo.create_study(directions=["minimize", "maximize"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)
    with pytest.raises(ValueError, match="multi-objective"):
        hpo.visualization.plot_terminator_improvement(study)
    with pytest.raises(ValueError, match="multi-objective"):
        hpo.visualization.matplotlib.plot_terminator_improvement(study)
