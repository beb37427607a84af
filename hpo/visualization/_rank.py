"""Rank plot: trials over each pair of parameters, coloured by the rank of their value."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from hpo.logging import get_logger
from hpo.trial import TrialState
from hpo.visualization._utils import (
    AxisInfo,
    axis_info,
    check_plot_args,
    is_available,
    is_feasible,
    pair_grid,
    plotly_modules,
    require_known_params,
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

COLORMAP = "RdYlBu_r"
INFEASIBLE_RGB = (204, 204, 204)


class RankSubplotInfo(NamedTuple):
    xaxis: AxisInfo
    yaxis: AxisInfo
    xs: list[Any]
    ys: list[Any]
    trials: list[FrozenTrial]
    zs: np.ndarray
    colors: np.ndarray  # (n, 3) RGB in 0..255


class RankPlotInfo(NamedTuple):
    params: list[str]
    sub_plot_infos: list[list[RankSubplotInfo]]  # [y parameter][x parameter]
    target_name: str
    zs: np.ndarray
    colors: np.ndarray
    has_custom_target: bool


def average_ranks(values: np.ndarray) -> np.ndarray:
    """0-based rank of every value; tied values share the mean of their ranks."""
    ordered = np.sort(values)
    first = np.searchsorted(ordered, values, side="left")
    last = np.searchsorted(ordered, values, side="right") - 1
    return (first + last) / 2.0


def rank_colors(shares: np.ndarray) -> np.ndarray:
    """RGB (0..255) of the rank colour map at each share in [0, 1]."""
    if is_available():
        colors = plotly_modules().colors
        sampled = colors.sample_colorscale(COLORMAP, list(map(float, shares)))
        return np.array([colors.unlabel_rgb(c) for c in sampled], dtype=float)
    import matplotlib

    rgba = matplotlib.colormaps[COLORMAP](np.asarray(shares, dtype=float))
    return np.asarray(rgba[:, :3] * 255, dtype=int).astype(float)


def get_rank_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> RankPlotInfo:
    """Per parameter pair, the trials having both and their colours.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.
    """
    check_plot_args(study, target, target_name)
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    names: list[str] = []
    if not trials:
        _logger.warning("Your study does not have any completed trials.")
    elif params is None:
        names = sorted_params(trials, None)
    else:
        # Unlike the other pair plots, the rank plot keeps the order (and repeats) of ``params``.
        require_known_params(params, {name for t in trials for name in t.params})
        names = list(params)
    if not names:
        _logger.warning("params is an empty list.")
    get = target_or_value(target)
    zs = np.array([float(get(t)) for t in trials])
    ranks = average_ranks(zs)
    shares = ranks / (len(trials) - 1) if len(trials) >= 2 else np.array([0.5])
    colors = rank_colors(shares)
    for i, trial in enumerate(trials):
        if not is_feasible(trial):
            colors[i] = INFEASIBLE_RGB
    if len(names) == 2:
        grid = [[_pair(trials, zs, colors, names[0], names[1])]]
    else:
        grid = [[_pair(trials, zs, colors, x, y) for x in names] for y in names]
    return RankPlotInfo(names, grid, target_name, zs, colors, target is not None)


def _pair(
    trials: list[FrozenTrial], zs: np.ndarray, colors: np.ndarray, x_param: str, y_param: str
) -> RankSubplotInfo:
    keep = [i for i, t in enumerate(trials) if x_param in t.params and y_param in t.params]
    chosen = [trials[i] for i in keep]
    return RankSubplotInfo(
        axis_info(trials, x_param),
        axis_info(trials, y_param),
        [t.params[x_param] for t in chosen],
        [t.params[y_param] for t in chosen],
        chosen,
        zs[keep],
        colors[keep],
    )


def tick_info(zs: np.ndarray) -> tuple[list[float], list[str]]:
    """Colour-bar positions and labels of the min, quartiles and max of the values."""
    positions = [0.0, 0.25, 0.5, 0.75, 1.0]
    quantiles = np.quantile(zs, positions)
    names = ["min.", "25%", "50%", "75%", "max."]
    return positions, [f"{n} ({q:3g})" for n, q in zip(names, quantiles)]


def plotted_values(axis: AxisInfo, values: list[Any]) -> list[Any]:
    """Values as placed on ``axis``: strings on a categorical axis."""
    return [str(v) for v in values] if axis.is_cat else values


def _scatter(info: RankSubplotInfo, target_name: str, with_objectives: bool) -> Any:
    plotly = plotly_modules()

    def hover(trial: FrozenTrial, value: float) -> str:
        lines = [f"Trial #{trial.number}"]
        lines += [f"{k}: {v}" for k, v in trial.params.items()]
        lines.append(f"<b>{target_name}: {value}</b>")
        if with_objectives:
            lines += [f"Objective #{i}: {v}" for i, v in enumerate(trial.values or [])]
        return "<br>".join(lines)

    return plotly.go.Scatter(
        x=plotted_values(info.xaxis, info.xs),
        y=plotted_values(info.yaxis, info.ys),
        marker={
            "color": [plotly.colors.label_rgb(tuple(c)) for c in info.colors],
            "line": {"width": 0.5, "color": "Grey"},
        },
        mode="markers",
        showlegend=False,
        hovertemplate="%{hovertext}<extra></extra>",
        hovertext=[hover(t, z) for t, z in zip(info.trials, info.zs)],
    )


def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot trials over each pair of parameters, coloured by the rank of their value.

    Colours run from blue (lowest value) to red (highest); infeasible trials are grey.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to rank. Required for multi-objective studies.
        target_name: Name of the target in the title and hover text.

    Returns:
        A ``plotly.graph_objects.Figure``: one scatter per parameter pair, then one invisible
        trace carrying the colour bar.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> len(hpo.visualization.plot_rank(study).data)
        2
    """
    plotly = plotly_modules()
    go = plotly.go
    info = get_rank_info(study, params, target, target_name)
    layout = go.Layout(title=f"Rank ({info.target_name})")
    names = info.params
    if not names:
        return go.Figure(data=[], layout=layout)
    if len(names) == 2:
        sub = info.sub_plot_infos[0][0]
        figure = go.Figure(
            data=_scatter(sub, info.target_name, info.has_custom_target), layout=layout
        )
        set_pair_axes(figure, sub.xaxis, sub.yaxis, names[0], names[1])
    else:
        n = len(names)
        figure = plotly.make_subplots(
            rows=n,
            cols=n,
            shared_xaxes=True,
            shared_yaxes=True,
            horizontal_spacing=0.08 / n,
            vertical_spacing=0.08 / n,
        )
        figure.update_layout(layout)
        for panel in pair_grid(names):
            sub = info.sub_plot_infos[panel.y_index][panel.x_index]
            trace = _scatter(sub, info.target_name, info.has_custom_target)
            figure.add_trace(trace, row=panel.row, col=panel.col)
        set_pair_grid_axes(figure, names, info.sub_plot_infos)
    positions, texts = tick_info(info.zs)
    figure.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "colorscale": COLORMAP,
                "showscale": True,
                "cmin": 0,
                "cmax": 1,
                "colorbar": {"thickness": 10, "tickvals": positions, "ticktext": texts},
            },
            hoverinfo="none",
            showlegend=False,
        )
    )
    return figure
