"""Optimization history, intermediate values, EDF and timeline plots (plotly)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hpo
from hpo.trial import TrialState
from hpo.visualization import (
    plot_edf,
    plot_intermediate_values,
    plot_optimization_history,
    plot_timeline,
)
from tests.visualization.conftest import add_trial, objective

go = pytest.importorskip("plotly.graph_objects")


def test_history_points_are_the_trial_values(study: hpo.Study) -> None:
    fig = plot_optimization_history(study)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["Objective Value", "Best Value", "Infeasible Trial"]
    values, best, infeasible = fig.data
    assert list(values.x) == [t.number for t in study.trials]
    assert list(values.y) == [t.value for t in study.trials]
    assert list(best.y) == list(itertools.accumulate((t.value for t in study.trials), min))
    assert len(infeasible.x) == 0
    assert fig.layout.yaxis.title.text == "Objective Value"


def test_best_line_is_a_running_max_when_maximizing() -> None:
    study = hpo.create_study(direction="maximize", sampler=hpo.samplers.RandomSampler(seed=3))
    study.optimize(objective, n_trials=15)
    best = plot_optimization_history(study).data[1]
    assert list(best.y) == list(itertools.accumulate((t.value for t in study.trials), max))


def test_incomplete_and_infeasible_trials() -> None:
    study = hpo.create_study()
    add_trial(study, 3.0, x=1.0)
    add_trial(study, 1.0, constraint=2.0, x=2.0)  # infeasible: never the best
    add_trial(study, 2.0, constraint=-1.0, x=3.0)
    study.add_trial(hpo.trial.create_trial(state=TrialState.FAIL))
    values, best, infeasible = plot_optimization_history(study).data
    assert list(values.x) == [0, 2] and list(values.y) == [3.0, 2.0]
    assert list(infeasible.x) == [1] and list(infeasible.y) == [1.0]
    assert list(best.x) == [0, 1, 2, 3]
    assert list(best.y) == [3.0, 3.0, 2.0, 2.0]


def test_history_with_target_has_no_best_line(study: hpo.Study) -> None:
    fig = plot_optimization_history(study, target=lambda t: t.params["x"], target_name="x")
    assert [t.name for t in fig.data] == ["x", "Infeasible Trial"]
    assert list(fig.data[0].y) == [t.params["x"] for t in study.trials]
    assert fig.layout.yaxis.title.text == "x"


def test_default_target_name_with_target_warns(study: hpo.Study) -> None:
    with pytest.warns(UserWarning, match="target_name"):
        plot_optimization_history(study, target=lambda t: t.value)


def test_several_studies_and_error_bars() -> None:
    studies = []
    for seed in range(3):
        s = hpo.create_study(study_name=f"s{seed}", sampler=hpo.samplers.RandomSampler(seed=seed))
        s.optimize(objective, n_trials=5)
        studies.append(s)
    fig = plot_optimization_history(studies)
    assert [t.name for t in fig.data[::3]] == [f"Objective Value of s{i}" for i in range(3)]
    assert [t.name for t in fig.data[1::3]] == [f"Best Value of s{i}" for i in range(3)]

    bars = plot_optimization_history(studies, error_bar=True)
    values = np.array([[t.value for t in s.trials] for s in studies])
    assert list(bars.data[0].y) == pytest.approx(values.mean(axis=0))
    assert list(bars.data[0].error_y.array) == pytest.approx(values.std(axis=0))
    running = np.minimum.accumulate(values, axis=1)
    assert list(bars.data[1].y) == pytest.approx(running.mean(axis=0))
    assert len(bars.data) == 5  # values, best mean, upper band, lower band, infeasible


def test_multi_objective_needs_target(two_objective_study: hpo.Study) -> None:
    with pytest.raises(ValueError, match="multi-objective"):
        plot_optimization_history(two_objective_study)
    with pytest.raises(ValueError, match="multi-objective"):
        plot_edf(two_objective_study)
    fig = plot_optimization_history(
        two_objective_study, target=lambda t: t.values[0], target_name="a"
    )
    assert list(fig.data[0].y) == [t.values[0] for t in two_objective_study.trials]


def test_empty_study_gives_empty_figures_with_warnings(hpo_log) -> None:
    study = hpo.create_study()
    for plot, message in [
        (plot_optimization_history, "There are no complete trials."),
        (plot_intermediate_values, "Study instance does not contain trials."),
        (plot_edf, "There are no complete trials."),
        (plot_timeline, "Your study does not have any trials."),
    ]:
        hpo_log.clear()
        fig = plot(study)
        assert len(fig.data) == 0, plot.__name__
        assert message in hpo_log.text, plot.__name__


def test_intermediate_values_one_line_per_reporting_trial(study: hpo.Study) -> None:
    study.add_trial(hpo.trial.create_trial(value=0.0))  # reported nothing
    fig = plot_intermediate_values(study)
    reporting = [t for t in study.trials if t.intermediate_values]
    assert len(fig.data) == len(reporting) == 20
    for trace, trial in zip(fig.data, reporting):
        assert trace.name == f"Trial{trial.number}"
        assert list(trace.x) == sorted(trial.intermediate_values)
        assert list(trace.y) == [
            trial.intermediate_values[s] for s in sorted(trial.intermediate_values)
        ]


def test_intermediate_values_without_reports_warns(hpo_log) -> None:
    study = hpo.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(plot_intermediate_values(study).data) == 0
    assert "pruning feature" in hpo_log.text


def test_edf_is_the_share_of_trials_at_or_below(study: hpo.Study) -> None:
    fig = plot_edf(study)
    (line,) = fig.data
    values = np.array([t.value for t in study.trials])
    assert line.x[0] == values.min() and line.x[-1] == values.max()
    assert len(line.x) == 100
    expected = [(values <= x).mean() for x in line.x]
    assert list(line.y) == pytest.approx(expected)
    assert line.name == study.study_name


def test_edf_of_several_studies_shares_the_x_axis() -> None:
    a = hpo.create_study(study_name="a")
    b = hpo.create_study(study_name="b")
    for v in (1.0, 2.0):
        add_trial(a, v, x=0.0)
    for v in (3.0, 5.0):
        add_trial(b, v, x=0.0)
    fig = plot_edf([a, b])
    assert [t.name for t in fig.data] == ["a", "b"]
    assert fig.data[0].x[0] == 1.0 and fig.data[0].x[-1] == 5.0
    assert fig.data[0].y[-1] == 1.0 and fig.data[1].y[0] == 0.0


def test_timeline_bars_by_state() -> None:
    study = hpo.create_study()
    study.optimize(objective, n_trials=3)
    study.add_trial(hpo.trial.create_trial(state=TrialState.FAIL))
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, state=TrialState.PRUNED)
    fig = plot_timeline(study)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"COMPLETE", "FAIL", "PRUNED"}
    assert list(by_name["COMPLETE"].y) == [0, 1, 2]
    assert all(width >= 0 for width in by_name["COMPLETE"].x)
    assert fig.layout.xaxis.type == "date"
    recent = plot_timeline(study, n_recent_trials=2)
    assert sorted(n for t in recent.data for n in t.y) == [3, 4]


def test_timeline_marks_infeasible_trials() -> None:
    study = hpo.create_study()
    add_trial(study, 1.0, constraint=1.0, x=0.0)
    add_trial(study, 1.0, constraint=-1.0, x=0.0)
    names = {t.name: list(t.y) for t in plot_timeline(study).data}
    assert names == {"INFEASIBLE": [0], "COMPLETE": [1]}


def test_timeline_rejects_non_positive_recent_count() -> None:
    with pytest.raises(ValueError, match="n_recent_trials"):
        plot_timeline(hpo.create_study(), n_recent_trials=0)
