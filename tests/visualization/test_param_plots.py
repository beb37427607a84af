"""Slice, contour, parallel coordinate, rank and importance plots (plotly)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import hpo
from hpo.visualization import (
    plot_contour,
    plot_parallel_coordinate,
    plot_param_importances,
    plot_rank,
    plot_slice,
)
from tests.visualization.conftest import add_trial

go = pytest.importorskip("plotly.graph_objects")
pytest.importorskip("sklearn")


def test_slice_has_one_panel_per_parameter(study: hpo.Study) -> None:
    fig = plot_slice(study)
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 4  # no infeasible trials: one scatter per parameter
    titles = [fig.layout[f"xaxis{i if i > 1 else ''}"].title.text for i in range(1, 5)]
    assert titles == ["kind", "lr", "n", "x"]
    by_param = dict(zip(titles, fig.data))
    assert list(by_param["x"].x) == [t.params["x"] for t in study.trials]
    assert list(by_param["x"].y) == [t.value for t in study.trials]
    assert list(by_param["x"].marker.color) == [t.number for t in study.trials]
    assert fig.layout.xaxis2.type == "log"  # lr
    assert fig.layout.xaxis.type == "category"
    assert list(fig.layout.xaxis.categoryarray) == ["'a'", "'b'", "'c'"]
    # Categorical points are grouped in the order of the choices.
    assert list(by_param["kind"].x) == sorted(by_param["kind"].x)


def test_slice_params_selection(study: hpo.Study) -> None:
    fig = plot_slice(study, params=["x"])
    assert len(fig.data) == 1
    assert fig.layout.xaxis.title.text == "x"
    assert fig.layout.yaxis.title.text == "Objective Value"
    with pytest.raises(ValueError, match="does not exist"):
        plot_slice(study, params=["x", "missing"])


def test_slice_separates_infeasible_trials() -> None:
    study = hpo.create_study()
    add_trial(study, 1.0, x=1.0)
    add_trial(study, 2.0, constraint=1.0, x=2.0)
    feasible, infeasible = plot_slice(study).data
    assert list(feasible.x) == [1.0] and list(infeasible.x) == [2.0]
    assert infeasible.marker.color == "#cccccc"


def test_slice_skips_non_finite_values(study: hpo.Study, hpo_log) -> None:
    add_trial(study, math.inf, x=0.5)
    fig = plot_slice(study, params=["x"])
    assert 0.5 not in list(fig.data[0].x)
    assert "omitted in visualization" in hpo_log.text


def test_contour_of_two_parameters(study: hpo.Study) -> None:
    fig = plot_contour(study, params=["x", "n"])
    contour, feasible, infeasible = fig.data
    assert contour.type == "contour"
    assert fig.layout.xaxis.title.text == "n" and fig.layout.yaxis.title.text == "x"
    n_values = sorted({t.params["n"] for t in study.trials})
    x_values = sorted({t.params["x"] for t in study.trials})
    # Distinct values plus the padded ends of each axis.
    assert list(contour.x)[1:-1] == n_values and list(contour.y)[1:-1] == x_values
    z = np.asarray(contour.z, dtype=float)
    for trial in study.trials:
        row = 1 + x_values.index(trial.params["x"])
        col = 1 + n_values.index(trial.params["n"])
        best = min(
            t.value
            for t in study.trials
            if t.params["n"] == trial.params["n"] and t.params["x"] == trial.params["x"]
        )
        assert z[row, col] == best
    assert np.isnan(z[0]).all()  # padding row has no trial
    assert sorted(zip(feasible.x, feasible.y)) == sorted(
        (t.params["n"], t.params["x"]) for t in study.trials
    )
    assert len(infeasible.x) == 0
    assert contour.reversescale  # minimising: dark is low


def test_contour_grid_for_more_parameters(study: hpo.Study) -> None:
    fig = plot_contour(study, params=["x", "n", "lr"])
    # 3 diagonal placeholders + 6 off-diagonal pairs of (contour, scatter).
    assert len(fig.data) == 3 + 6 * 2
    assert sum(t.type == "contour" for t in fig.data) == 6
    assert sum(bool(t.showscale) for t in fig.data if t.type == "contour") == 1


def test_contour_needs_two_parameters(study: hpo.Study, hpo_log) -> None:
    assert len(plot_contour(study, params=["x"]).data) == 0
    assert "greater than 1" in hpo_log.text
    with pytest.raises(ValueError, match="does not exist"):
        plot_contour(study, params=["x", "missing"])


def test_parallel_coordinate_one_line_per_trial(study: hpo.Study) -> None:
    fig = plot_parallel_coordinate(study, params=["x", "n"])
    lines = fig.data[:-1]
    assert len(lines) == len(study.trials)
    assert fig.data[-1].marker.showscale  # colour bar carrier
    values = [t.value for t in study.trials]
    xs = [t.params["x"] for t in study.trials]
    for line, value, x in zip(lines, values, xs):
        assert list(line.x) == [0, 1, 2]
        # Axes are scaled to [0, 1]: objective, n, x.
        assert line.y[0] == pytest.approx((value - min(values)) / (max(values) - min(values)))
        assert line.y[2] == pytest.approx((x - min(xs)) / (max(xs) - min(xs)))
    assert list(fig.layout.xaxis.ticktext) == ["Objective Value", "n", "x"]


def test_parallel_coordinate_marks_missing_params_and_constraints() -> None:
    study = hpo.create_study()
    add_trial(study, 1.0, constraint=-1.0, x=1.0, n=2)
    add_trial(study, 2.0, constraint=1.0, x=3.0)
    fig = plot_parallel_coordinate(study)
    first, second = fig.data[:2]
    assert first.line.dash == "solid" and second.line.dash == "dot"
    assert second.y[1] == 0.0  # missing n sits at the bottom "None" tick
    assert [t.name for t in fig.data[2:4]] == ["Feasible", "Infeasible"]
    texts = [a.text for a in fig.layout.annotations]
    assert "None" in texts


def test_parallel_coordinate_of_several_objectives_colours_by_rank(
    two_objective_study: hpo.Study,
) -> None:
    fig = plot_parallel_coordinate(two_objective_study)
    assert list(fig.layout.xaxis.ticktext) == ["Objective 0", "Objective 1", "n", "x", "y"]
    assert fig.data[-1].marker.colorbar.title.text == "Pareto Rank"
    assert len(fig.data) == len(two_objective_study.trials) + 1


def test_rank_plot(study: hpo.Study) -> None:
    fig = plot_rank(study, params=["x", "n"])
    scatter, colorbar = fig.data
    assert list(scatter.x) == [t.params["x"] for t in study.trials]
    assert list(scatter.y) == [t.params["n"] for t in study.trials]
    # The best trial gets the colour at the blue end, the worst at the red end.
    values = [t.value for t in study.trials]
    best, worst = int(np.argmin(values)), int(np.argmax(values))
    red, _, blue = (float(c) for c in scatter.marker.color[worst][4:-1].split(","))
    assert red > blue
    red, _, blue = (float(c) for c in scatter.marker.color[best][4:-1].split(","))
    assert blue > red
    assert colorbar.marker.showscale
    grid = plot_rank(study, params=["x", "n", "lr"])
    assert len(grid.data) == 9 + 1
    with pytest.raises(ValueError, match="multi-objective"):
        plot_rank(hpo.create_study(directions=["minimize", "minimize"]))


def test_param_importances_bars(study: hpo.Study) -> None:
    fig = plot_param_importances(study)
    (bars,) = fig.data
    expected = hpo.importance.get_param_importances(study)
    assert list(bars.y) == list(expected)[::-1]  # most important on top
    assert list(bars.x) == pytest.approx(list(expected.values())[::-1])
    assert bars.orientation == "h"
    evaluator = hpo.importance.FanovaImportanceEvaluator(seed=0)
    fig = plot_param_importances(study, evaluator=evaluator, params=["x", "n"])
    assert set(fig.data[0].y) == {"x", "n"}


@pytest.mark.filterwarnings("ignore::UserWarning")  # PED-ANOVA: lower targets count as better
@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")  # set_metric_names
def test_param_importances_per_objective(two_objective_study: hpo.Study) -> None:
    fig = plot_param_importances(two_objective_study)
    assert [t.name for t in fig.data] == ["Objective Value 0", "Objective Value 1"]
    two_objective_study.set_metric_names(["cost", "gain"])
    fig = plot_param_importances(two_objective_study)
    assert [t.name for t in fig.data] == ["cost", "gain"]


@pytest.mark.parametrize("plot", [plot_slice, plot_contour, plot_rank])
def test_multi_objective_without_target_raises(plot, two_objective_study: hpo.Study) -> None:
    with pytest.raises(ValueError, match="multi-objective"):
        plot(two_objective_study)


@pytest.mark.parametrize(
    "plot", [plot_slice, plot_contour, plot_parallel_coordinate, plot_rank, plot_param_importances]
)
def test_empty_study_gives_empty_figure(plot, hpo_log) -> None:
    fig = plot(hpo.create_study())
    assert len(fig.data) == 0
    assert (
        "does not have any completed trials" in hpo_log.text or "does not contain" in hpo_log.text
    )
