"""The matplotlib versions of the plots: experimental, returning Axes with the study's data."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.visualization import matplotlib as mpl_plots
from tests.visualization.conftest import add_trial

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
Axes = matplotlib.axes.Axes

pytestmark = pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_functions_are_experimental(study: hpo.Study) -> None:
    with pytest.warns(ExperimentalWarning):
        mpl_plots.plot_optimization_history(study)
    with pytest.warns(ExperimentalWarning):
        assert mpl_plots.is_available() is True


def test_optimization_history(study: hpo.Study) -> None:
    ax = mpl_plots.plot_optimization_history(study)
    assert isinstance(ax, Axes)
    points = ax.collections[0].get_offsets()
    assert list(points[:, 0]) == [t.number for t in study.trials]
    assert list(points[:, 1]) == [t.value for t in study.trials]
    (best,) = ax.get_lines()
    assert list(best.get_ydata()) == list(
        itertools.accumulate((t.value for t in study.trials), min)
    )
    with pytest.raises(ValueError, match="multi-objective"):
        mpl_plots.plot_optimization_history(hpo.create_study(directions=["minimize"] * 2))


def test_intermediate_values(study: hpo.Study) -> None:
    lines = mpl_plots.plot_intermediate_values(study).get_lines()
    assert len(lines) == len(study.trials)
    trial = study.trials[0]
    assert list(lines[0].get_ydata()) == [trial.intermediate_values[s] for s in range(3)]


def test_slice(study: hpo.Study) -> None:
    axes = mpl_plots.plot_slice(study)
    assert isinstance(axes, np.ndarray) and axes.shape == (4,)
    assert [ax.get_xlabel() for ax in axes] == ["kind", "lr", "n", "x"]
    points = axes[3].collections[0].get_offsets()
    assert list(points[:, 0]) == [t.params["x"] for t in study.trials]
    assert axes[1].get_xscale() == "log"
    single = mpl_plots.plot_slice(study, params=["x"])
    assert isinstance(single, Axes)


def test_param_importances(study: hpo.Study) -> None:
    ax = mpl_plots.plot_param_importances(study)
    expected = hpo.importance.get_param_importances(study)
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(list(expected.values())[::-1])
    assert [t.get_text() for t in ax.get_yticklabels()] == list(expected)[::-1]


def test_contour(study: hpo.Study) -> None:
    pytest.importorskip("scipy")
    ax = mpl_plots.plot_contour(study, params=["x", "n"])
    assert isinstance(ax, Axes)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("n", "x")
    feasible = ax.collections[-2].get_offsets()
    assert sorted(map(tuple, feasible)) == sorted(
        (t.params["n"], t.params["x"]) for t in study.trials
    )
    grid = mpl_plots.plot_contour(study, params=["x", "n", "lr"])
    assert grid.shape == (3, 3)


def test_contour_surface_passes_through_the_trials() -> None:
    pytest.importorskip("scipy")
    from hpo.visualization.matplotlib._contour import GRID_SIZE, _harmonic_surface

    cols = np.array([0, GRID_SIZE - 1, 40])
    rows = np.array([0, GRID_SIZE - 1, 60])
    values = np.array([1.0, 5.0, 3.0])
    surface = _harmonic_surface(cols, rows, values)
    assert surface[rows, cols] == pytest.approx(values)
    assert values.min() - 1e-9 <= surface.min() and surface.max() <= values.max() + 1e-9


def test_pareto_front(two_objective_study: hpo.Study) -> None:
    ax = mpl_plots.plot_pareto_front(two_objective_study)
    dominated, best = ax.collections
    n_best = len(two_objective_study.best_trials)
    assert len(best.get_offsets()) == n_best
    assert len(dominated.get_offsets()) == len(two_objective_study.trials) - n_best
    assert ax.get_xlabel() == "Objective 0"


def test_edf(study: hpo.Study) -> None:
    (line,) = mpl_plots.plot_edf(study).get_lines()
    values = np.array([t.value for t in study.trials])
    assert list(line.get_ydata()) == pytest.approx(
        [(values <= x).mean() for x in line.get_xdata()]
    )


def test_rank_timeline_hypervolume_parallel(study, two_objective_study) -> None:
    assert mpl_plots.plot_rank(study).shape == (4, 4)
    ax = mpl_plots.plot_timeline(study)
    assert len(ax.patches) == len(study.trials)
    ax = mpl_plots.plot_hypervolume_history(two_objective_study, reference_point=[1.0, 0.0])
    assert len(ax.get_lines()[0].get_xdata()) == len(two_objective_study.trials)
    ax = mpl_plots.plot_parallel_coordinate(study)
    assert len(ax.collections[0].get_segments()) == len(study.trials)


def test_empty_study_gives_empty_axes() -> None:
    study = hpo.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for plot in (
            mpl_plots.plot_optimization_history,
            mpl_plots.plot_intermediate_values,
            mpl_plots.plot_slice,
            mpl_plots.plot_contour,
            mpl_plots.plot_edf,
            mpl_plots.plot_param_importances,
            mpl_plots.plot_parallel_coordinate,
            mpl_plots.plot_rank,
            mpl_plots.plot_timeline,
        ):
            ax = plot(study)
            assert isinstance(ax, Axes), plot.__name__
            assert not ax.has_data(), plot.__name__


def test_infeasible_points_are_grey() -> None:
    study = hpo.create_study()
    add_trial(study, 1.0, x=1.0)
    add_trial(study, 2.0, constraint=1.0, x=2.0)
    ax = mpl_plots.plot_optimization_history(study)
    assert list(ax.collections[-1].get_offsets()[:, 0]) == [1]
