"""Contour plot: the objective value over each pair of parameters."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from hpo.logging import get_logger
from hpo.study._study_direction import StudyDirection
from hpo.visualization._utils import (
    AxisInfo,
    axis_info,
    check_plot_args,
    color_scale,
    finite_completed_trials,
    is_feasible,
    is_reverse_scale,
    pair_grid,
    plotly_modules,
    set_pair_axes,
    set_pair_grid_axes,
    sorted_params,
    target_or_value,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)


class SubContourInfo(NamedTuple):
    xaxis: AxisInfo
    yaxis: AxisInfo
    # (index into xaxis.indices, index into yaxis.indices) -> value of the best trial there
    z_values: dict[tuple[int, int], float]
    constraints: list[bool] = []


class ContourInfo(NamedTuple):
    sorted_params: list[str]
    sub_plot_infos: list[list[SubContourInfo]]  # [y parameter][x parameter]
    reverse_scale: bool
    target_name: str


def get_contour_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> ContourInfo:
    """The grid of parameter pairs (a single pair when two parameters are selected).

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.
    """
    check_plot_args(study, target, target_name)
    trials = finite_completed_trials(study, target)
    names: list[str] = []
    if not trials:
        _logger.warning("Your study does not have any completed trials.")
    else:
        if params is not None and len(params) <= 1:
            _logger.warning("The length of params must be greater than 1.")
        names = sorted_params(trials, params)
    if len(names) == 2:
        grid = [[_pair_info(study, trials, names[0], names[1], target)]]
    else:
        grid = [[_pair_info(study, trials, x, y, target) for x in names] for y in names]
    return ContourInfo(names, grid, is_reverse_scale(study, target), target_name)


def _pair_info(
    study: Study,
    trials: list[FrozenTrial],
    x_param: str,
    y_param: str,
    target: Callable[[FrozenTrial], float] | None,
) -> SubContourInfo:
    xaxis = axis_info(trials, x_param)
    yaxis = axis_info(trials, y_param)
    if x_param == y_param:
        return SubContourInfo(xaxis, yaxis, {})
    for axis in (xaxis, yaxis):
        if len(axis.indices) < 2:
            _logger.warning(f"Param {axis.name} unique value length is less than 2.")
            return SubContourInfo(xaxis, yaxis, {})
    x_pos = {v: i for i, v in enumerate(xaxis.indices)}
    y_pos = {v: i for i, v in enumerate(yaxis.indices)}
    minimize = study.direction == StudyDirection.MINIMIZE if target is None else None
    get = target_or_value(target)
    z: dict[tuple[int, int], float] = {}
    for i, trial in enumerate(trials):
        x, y = xaxis.values[i], yaxis.values[i]
        if x is None or y is None:
            continue
        key = (x_pos[x], y_pos[y])
        value = float(get(trial))
        if key in z and minimize is not None:
            # Several trials on one grid point: show the best one (the last one with a target).
            value = min(z[key], value) if minimize else max(z[key], value)
        z[key] = value
    return SubContourInfo(xaxis, yaxis, z, [is_feasible(t) for t in trials])


def z_matrix(info: SubContourInfo) -> np.ndarray:
    """``(len(y indices), len(x indices))`` values with NaN where no trial landed."""
    z = np.full((len(info.yaxis.indices), len(info.xaxis.indices)), np.nan)
    for (xi, yi), value in info.z_values.items():
        z[yi, xi] = value
    return z


def trial_points(info: SubContourInfo) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """x and y of the feasible trials, then of the infeasible ones (trials with both params)."""
    fx: list[Any] = []
    fy: list[Any] = []
    ix: list[Any] = []
    iy: list[Any] = []
    for x, y, ok in zip(info.xaxis.values, info.yaxis.values, info.constraints):
        if x is None or y is None:
            continue
        (fx if ok else ix).append(x)
        (fy if ok else iy).append(y)
    return fx, fy, ix, iy


def has_contour(info: SubContourInfo) -> bool:
    if len(info.xaxis.indices) < 2 or len(info.yaxis.indices) < 2:
        return False
    if not info.z_values:
        warnings.warn(
            f"Contour plot will not be displayed because `{info.xaxis.name}` and "
            f"`{info.yaxis.name}` cannot co-exist in `trial.params`.",
            stacklevel=3,
        )
        return False
    return True


def _subplot(info: SubContourInfo, reverse_scale: bool, target_name: str) -> list[Any]:
    go = plotly_modules().go
    if not has_contour(info):
        return [go.Contour(), go.Scatter(), go.Scatter()]
    fx, fy, ix, iy = trial_points(info)
    contour = go.Contour(
        x=info.xaxis.indices,
        y=info.yaxis.indices,
        z=z_matrix(info),
        colorbar={"title": target_name},
        colorscale=color_scale(),
        connectgaps=True,
        contours_coloring="heatmap",
        hoverinfo="none",
        line_smoothing=1.3,
        reversescale=reverse_scale,
    )
    return [contour, _scatter(fx, fy, feasible=True), _scatter(ix, iy, feasible=False)]


def _scatter(x: list[Any], y: list[Any], feasible: bool) -> Any:
    return plotly_modules().go.Scatter(
        x=x,
        y=y,
        marker={
            "line": {"width": 2.0, "color": "Gray"},
            "color": "black" if feasible else "#cccccc",
        },
        mode="markers",
        name="Feasible Trial" if feasible else "Infeasible Trial",
        showlegend=False,
    )


def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot the objective value as a contour over each pair of parameters.

    With two parameters the figure has one contour; with more, a grid of contours with every
    pair. Where several trials share a grid point the best value is shown. The colour scale is
    reversed (dark is low) when minimising or when ``target`` is given.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default. At least two are needed for a contour.
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the colour bar.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> fig = hpo.visualization.plot_contour(study, params=["x", "y"])
        >>> fig.data[0].type
        'contour'
    """
    go, make_subplots, _ = plotly_modules()
    info = get_contour_info(study, params, target, target_name)
    layout = go.Layout(title="Contour Plot")
    names = info.sorted_params
    if len(names) <= 1:
        return go.Figure(data=[], layout=layout)
    if len(names) == 2:
        sub = info.sub_plot_infos[0][0]
        figure = go.Figure(data=_subplot(sub, info.reverse_scale, info.target_name), layout=layout)
        set_pair_axes(figure, sub.xaxis, sub.yaxis, names[0], names[1])
        return figure
    n = len(names)
    figure = make_subplots(rows=n, cols=n, shared_xaxes=True, shared_yaxes=True)
    figure.update_layout(layout)
    show_scale = True
    for panel in pair_grid(names):
        if panel.x_index == panel.y_index:
            figure.add_trace(go.Scatter(), row=panel.row, col=panel.col)
            continue
        sub = info.sub_plot_infos[panel.y_index][panel.x_index]
        contour, scatter, _ = _subplot(sub, info.reverse_scale, info.target_name)
        contour.update(showscale=show_scale)
        show_scale = False
        figure.add_trace(contour, row=panel.row, col=panel.col)
        figure.add_trace(scatter, row=panel.row, col=panel.col)
    set_pair_grid_axes(figure, names, info.sub_plot_infos)
    return figure
