"""Parallel coordinate plot: one polyline per trial across objective and parameter axes."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from hpo.distributions import CategoricalDistribution
from hpo.logging import get_logger
from hpo.study._multi_objective import loss_matrix, non_domination_rank
from hpo.trial import TrialState
from hpo.visualization._utils import (
    check_plot_args,
    color_scale,
    finite_completed_trials,
    is_log_scale,
    is_numerical,
    is_reverse_scale,
    plotly_modules,
    sorted_params,
    target_or_value,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)

MISSING_LABEL = "None"
_MISSING = object()


class DimensionInfo(NamedTuple):
    label: str
    values: tuple[float, ...]  # position of every trial on this axis
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    tickvals: list[float]
    ticktext: list[str]
    has_missing: bool = False


class ParallelCoordinateInfo(NamedTuple):
    dims_objectives: list[DimensionInfo]
    dims_params: list[DimensionInfo]
    reverse_scale: bool
    colorbar_title: str
    color_values: tuple[float, ...] = ()
    is_rank_color: bool = False
    draw_order: tuple[int, ...] = ()
    feasibility: tuple[bool, ...] | None = None


def get_parallel_coordinate_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> ParallelCoordinateInfo:
    """Axes and colours of the plot.

    A multi-objective study without ``target`` gets one axis per objective and lines coloured
    by Pareto rank; otherwise one objective axis coloured by the target value.

    Raises:
        ValueError: A name in ``params`` is not a parameter of any completed trial.
    """
    multi = target is None and study._is_multi_objective()
    if not multi:
        check_plot_args(study, target, target_name)
    if multi:
        n_obj = len(study.directions)
        trials = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.values is not None
            and len(t.values) == n_obj
            and all(math.isfinite(v) for v in t.values)
        ]
    else:
        trials = finite_completed_trials(study, target)
    names = sorted_params(trials, params)

    if multi:
        labels = study.metric_names or [f"Objective {i}" for i in range(len(study.directions))]
        objectives = [
            _numeric_dimension(label, [float(t.values[i]) for t in trials])  # type: ignore[index]
            for i, label in enumerate(labels)
        ]
        ranks = non_domination_rank(loss_matrix(trials, study.directions))
        colors = tuple(float(r) for r in ranks)
        order = tuple(int(i) for i in np.argsort(ranks)[::-1])
        title, reverse = "Pareto Rank", True
    else:
        values = [float(target_or_value(target)(t)) for t in trials]
        objectives = [_numeric_dimension(target_name, values)]
        colors = tuple(values)
        order = tuple(range(len(trials)))
        title, reverse = target_name, is_reverse_scale(study, target)

    if not trials:
        _logger.warning("Your study does not have any completed trials.")
        return ParallelCoordinateInfo(objectives, [], reverse, title, colors, multi, order)

    feasibility = _feasibility(trials)
    dims = []
    numeric_choices: list[int] = []  # indices (in ``dims``) of numeric categorical params
    for name in names:
        dim, numeric_categorical = _param_dimension(trials, name)
        if numeric_categorical:
            numeric_choices.append(len(dims))
        dims.append(dim)

    if numeric_choices:
        # Draw lines sorted by the numeric categorical values (the first such parameter first).
        perm = np.lexsort([dims[i].values for i in numeric_choices][::-1])
        objectives = [_permute(d, perm) for d in objectives]
        dims = [_permute(d, perm) for d in dims]
        colors = tuple(float(c) for c in np.asarray(colors)[perm])
        if feasibility is not None:
            feasibility = tuple(bool(f) for f in np.asarray(feasibility)[perm])
        if multi:
            order = tuple(sorted(range(len(trials)), key=colors.__getitem__, reverse=True))
    return ParallelCoordinateInfo(
        objectives, dims, reverse, title, colors, multi, order, feasibility
    )


def _permute(dim: DimensionInfo, perm: np.ndarray) -> DimensionInfo:
    return dim._replace(values=tuple(float(v) for v in np.asarray(dim.values)[perm]))


def _numeric_dimension(label: str, values: list[float]) -> DimensionInfo:
    span = (min(values), max(values)) if values else (0.0, 0.0)
    return DimensionInfo(label, tuple(values), span, False, False, [], [])


def _feasibility(trials: Sequence[FrozenTrial]) -> tuple[bool, ...] | None:
    """``None`` when no trial has constraints; trials without constraints count as infeasible."""
    if not any(t.constraints for t in trials):
        return None
    return tuple(
        bool(t.constraints) and all(v <= 0.0 for v in t.constraints.values()) for t in trials
    )


def missing_position(low: float, high: float) -> float:
    """Where trials without the parameter sit: below the axis, 12 % of its height away."""
    if low == high:
        return low - 1.0
    return low - (high - low) * 0.12 / 0.88


def _short(label: str) -> str:
    return label if len(label) < 20 else f"{label[:17]}..."


def _param_dimension(trials: Sequence[FrozenTrial], name: str) -> tuple[DimensionInfo, bool]:
    raw = [t.params.get(name, _MISSING) for t in trials]
    missing = any(v is _MISSING for v in raw)
    present = [v for v in raw if v is not _MISSING]
    categorical = any(
        isinstance(t.distributions[name], CategoricalDistribution)
        for t in trials
        if name in t.params
    )
    if is_log_scale(trials, name):
        logs = [math.log10(float(v)) for v in present]
        low, high = min(logs), max(logs)
        ticks: list[float] = list(range(math.ceil(low), math.floor(high) + 1))
        if low not in ticks:
            ticks.insert(0, low)
        if high not in ticks:
            ticks.append(high)
        texts = [f"{10**t:.3g}" for t in ticks]
        where = missing_position(low, high) if missing else None
        values = tuple(where if v is _MISSING else math.log10(float(v)) for v in raw)  # type: ignore[misc]
        if where is not None:
            ticks.insert(0, where)
            texts.insert(0, MISSING_LABEL)
        span = (where if where is not None else low, high)
        return DimensionInfo(_short(name), values, span, True, False, ticks, texts, missing), False
    if categorical:
        numeric = is_numerical(trials, name)
        distinct = sorted(set(present)) if numeric else list(dict.fromkeys(present))
        code = {v: i for i, v in enumerate(distinct)}
        offset = 1 if missing else 0
        texts = [str(v) for v in distinct]
        if missing:
            texts = [f"{t} (value)" if t == MISSING_LABEL else t for t in texts]
            texts.insert(0, MISSING_LABEL)
        positions = tuple(float(0 if v is _MISSING else code[v] + offset) for v in raw)
        dim = DimensionInfo(
            _short(name),
            positions,
            (min(positions), max(positions)),
            False,
            True,
            [float(i) for i in range(len(distinct) + offset)],
            texts,
            missing,
        )
        return dim, numeric
    nums = [float(v) for v in present]
    low, high = min(nums), max(nums)
    where = missing_position(low, high) if missing else None
    positions = tuple(where if v is _MISSING else float(v) for v in raw)  # type: ignore[misc]
    ticks = []
    texts = []
    if where is not None:
        inner = [low] if low == high else [float(v) for v in np.linspace(low, high, num=5)]
        ticks = [where, *inner]
        texts = [MISSING_LABEL, *(f"{v:.3g}" for v in inner)]
    span = (where if where is not None else low, high)
    return DimensionInfo(_short(name), positions, span, False, False, ticks, texts, missing), False


def normalized(dim: DimensionInfo, values: Sequence[float] | None = None) -> list[float]:
    """Positions scaled so the axis range maps onto [0, 1] (0.5 for a constant axis)."""
    points = dim.values if values is None else values
    low, high = dim.range
    if low == high:
        return [0.5] * len(points)
    return [(v - low) / (high - low) for v in points]


def color_range(info: ParallelCoordinateInfo) -> tuple[float, float]:
    if info.is_rank_color:
        return -0.5, max(info.color_values) + 0.5
    low, high = min(info.color_values), max(info.color_values)
    return (low - 0.5, high + 0.5) if low == high else (low, high)


def axis_ticks(dim: DimensionInfo) -> tuple[list[float], list[str]]:
    """Tick positions (in the axis' own units) and labels drawn next to an axis."""
    if dim.tickvals:
        return dim.tickvals, dim.ticktext or [f"{v:.3g}" for v in dim.tickvals]
    low, high = dim.range
    if low == high:
        return [low], [f"{low:.3g}"]
    ticks = [float(v) for v in np.linspace(low, high, num=5)]
    return ticks, [f"{v:.3g}" for v in ticks]


def value_label(dim: DimensionInfo, value: float) -> str:
    for tick, text in zip(dim.tickvals, dim.ticktext):
        if math.isclose(value, tick):
            return text
    return f"{10**value:.3g}" if dim.is_log else f"{value:.3g}"


def _interpolate(scale: list[str], share: float, colors_module: Any) -> str:
    """The colour at ``share`` (0..1) along a list of evenly spaced ``rgb(...)`` colours."""
    pos = share * (len(scale) - 1)
    i = min(int(pos), len(scale) - 2)
    lo = colors_module.unlabel_rgb(scale[i])
    hi = colors_module.unlabel_rgb(scale[i + 1])
    t = pos - i
    r, g, b = (float(a + (c - a) * t) for a, c in zip(lo, hi))
    return f"rgb({r}, {g}, {b})"


def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot each trial as a line across the objective and parameter axes.

    Trials without a parameter meet its axis at a separate ``None`` tick. If any completed
    trial has constraint values, feasible trials are drawn solid and the others dotted. A
    multi-objective study without ``target`` gets one axis per objective, with lines
    coloured by Pareto rank.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to plot on the objective axis.
        target_name: Name of the target axis and colour bar.

    Returns:
        A ``plotly.graph_objects.Figure``: one line trace per trial, then (with constraints)
        two legend traces, then an invisible trace carrying the colour bar.

    Raises:
        ValueError: An unknown parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("n", 0, 3)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> len(hpo.visualization.plot_parallel_coordinate(study).data)
        6
    """
    go, _, colors_module = plotly_modules()
    info = get_parallel_coordinate_info(study, params, target, target_name)
    layout = go.Layout(
        title={"text": "Parallel Coordinate Plot", "y": 1, "yanchor": "bottom", "yref": "paper"}
    )
    if not info.dims_params or not info.dims_objectives[0].values:
        return go.Figure(data=[], layout=layout)
    dims = info.dims_objectives + info.dims_params
    cmin, cmax = color_range(info)
    scale = color_scale()
    shares = [0.5 if cmin == cmax else (c - cmin) / (cmax - cmin) for c in info.color_values]
    if info.reverse_scale:
        shares = [1.0 - s for s in shares]
    line_colors = [_interpolate(scale, share, colors_module) for share in shares]
    ys = [normalized(d) for d in dims]
    xs = list(range(len(dims)))
    traces: list[Any] = []
    for i in info.draw_order:
        solid = info.feasibility is None or info.feasibility[i]
        traces.append(
            go.Scatter(
                x=xs,
                y=[y[i] for y in ys],
                customdata=[[d.label, value_label(d, d.values[i])] for d in dims],
                mode="lines",
                line={"color": line_colors[i], "dash": "solid" if solid else "dot", "width": 1.2},
                opacity=0.5,
                showlegend=False,
                hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
            )
        )
    if info.feasibility is not None:
        for name, dash in (("Feasible", "solid"), ("Infeasible", "dot")):
            traces.append(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="lines",
                    line={"color": "#2F3B52", "dash": dash, "width": 2},
                    name=name,
                    showlegend=True,
                    hoverinfo="skip",
                )
            )
    colorbar: dict[str, Any] = {"title": info.colorbar_title}
    if info.is_rank_color:
        colorbar["tickvals"] = list(range(int(max(info.color_values)) + 1))
    traces.append(
        go.Scatter(
            x=[None, None],
            y=[None, None],
            mode="markers",
            marker={
                "color": [cmin, cmax],
                "cmin": cmin,
                "cmax": cmax,
                "colorscale": scale,
                "reversescale": info.reverse_scale,
                "showscale": True,
                "colorbar": colorbar,
            },
            showlegend=False,
            hoverinfo="skip",
        )
    )
    annotations = []
    for x, dim in zip(xs, dims):
        ticks, texts = axis_ticks(dim)
        for y, text in zip(normalized(dim, ticks), texts):
            annotations.append(
                {
                    "x": x,
                    "y": y,
                    "text": text,
                    "showarrow": False,
                    "xanchor": "right",
                    "xshift": -4,
                    "font": {"size": 10, "color": "#555"},
                }
            )
    layout.update(
        xaxis={
            "tickmode": "array",
            "tickvals": xs,
            "ticktext": [d.label for d in dims],
            "range": (-0.2, len(dims) - 0.8),
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={"range": (-0.08, 1.08), "visible": False, "fixedrange": True},
        annotations=annotations,
        shapes=[
            {
                "type": "line",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#888", "width": 1},
                "layer": "below",
            }
            for x in xs
        ],
        hovermode="closest",
        plot_bgcolor="white",
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1, "yanchor": "bottom"},
    )
    return go.Figure(data=traces, layout=layout)
