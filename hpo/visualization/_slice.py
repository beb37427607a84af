"""Slice plot: the objective value against each parameter, one panel per parameter."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from hpo.distributions import CategoricalDistribution
from hpo.logging import get_logger
from hpo.visualization._utils import (
    check_plot_args,
    color_scale,
    finite_completed_trials,
    is_feasible,
    is_log_scale,
    plotly_modules,
    sorted_params,
    target_or_value,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)


class SliceSubplotInfo(NamedTuple):
    param_name: str
    x: list[Any]
    y: list[float]
    trial_numbers: list[int]
    is_log: bool
    is_numerical: bool
    constraints: list[bool]
    x_labels: tuple[Any, ...] | None


class SlicePlotInfo(NamedTuple):
    target_name: str
    subplots: list[SliceSubplotInfo]


class Points(NamedTuple):
    x: list[Any]
    y: list[float]
    trial_numbers: list[int]


def get_slice_plot_info(
    study: Study,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> SlicePlotInfo:
    """Per selected parameter (sorted by name): the trials' values and target values.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or a name in
            ``params`` is not a parameter of any completed trial.
    """
    check_plot_args(study, target, target_name)
    trials = finite_completed_trials(study, target)
    if not trials:
        _logger.warning("Your study does not have any completed trials.")
        return SlicePlotInfo(target_name, [])
    names = sorted_params(trials, params)
    distributions: dict[str, Any] = {}
    for trial in trials:
        for name, dist in trial.distributions.items():
            distributions.setdefault(name, dist)
    get = target_or_value(target)
    subplots = []
    for name in names:
        dist = distributions[name]
        having = [t for t in trials if name in t.params]
        categorical = isinstance(dist, CategoricalDistribution)
        subplots.append(
            SliceSubplotInfo(
                param_name=name,
                x=[t.params[name] for t in having],
                y=[get(t) for t in having],
                trial_numbers=[t.number for t in having],
                is_log=is_log_scale(trials, name),
                is_numerical=not categorical,
                constraints=[is_feasible(t) for t in having],
                x_labels=dist.choices if categorical else None,
            )
        )
    return SlicePlotInfo(target_name, subplots)


def split_feasible(info: SliceSubplotInfo) -> tuple[Points, Points]:
    """Feasible and infeasible points; categorical x values become ``repr`` labels in the
    order of the choices."""
    ok, bad = Points([], [], []), Points([], [], [])
    for x, y, number, feasible in zip(info.x, info.y, info.trial_numbers, info.constraints):
        if info.is_numerical and x is None:
            continue
        dest = ok if feasible else bad
        dest.x.append(x)
        dest.y.append(y)
        dest.trial_numbers.append(number)
    if info.is_numerical:
        return ok, bad
    return _by_choice(info, ok), _by_choice(info, bad)


def _by_choice(info: SliceSubplotInfo, points: Points) -> Points:
    assert info.x_labels is not None
    grouped: dict[Any, list[tuple[float, int]]] = defaultdict(list)
    for x, y, number in zip(points.x, points.y, points.trial_numbers):
        grouped[x].append((y, number))
    out = Points([], [], [])
    for choice in info.x_labels:
        for y, number in grouped.get(choice, []):
            out.x.append(repr(choice))
            out.y.append(y)
            out.trial_numbers.append(number)
    return out


def category_labels(info: SliceSubplotInfo) -> list[str] | None:
    return None if info.x_labels is None else [repr(c) for c in info.x_labels]


def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot the objective value against each parameter, one panel per parameter.

    Points are coloured by trial number; infeasible trials are grey. Trials without a
    parameter are left out of its panel.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the y axis.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(
        ...     lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 0, 3), n_trials=10
        ... )
        >>> fig = hpo.visualization.plot_slice(study, params=["x"])
        >>> fig.layout.xaxis.title.text
        'x'
    """
    go, make_subplots, _ = plotly_modules()
    info = get_slice_plot_info(study, params, target, target_name)
    layout = go.Layout(title="Slice Plot")
    if not info.subplots:
        return go.Figure(data=[], layout=layout)
    if len(info.subplots) == 1:
        sub = info.subplots[0]
        figure = go.Figure(data=_traces(sub), layout=layout)
        figure.update_xaxes(title_text=sub.param_name, **_x_axis_kind(sub))
        figure.update_yaxes(title_text=info.target_name)
        return figure
    figure = make_subplots(rows=1, cols=len(info.subplots), shared_yaxes=True)
    figure.update_layout(layout)
    for col, sub in enumerate(info.subplots, start=1):
        traces = _traces(sub)
        traces[0].update(marker={"showscale": col == 1})  # one colour bar is enough
        for trace in traces:
            figure.add_trace(trace, row=1, col=col)
        figure.update_xaxes(title_text=sub.param_name, row=1, col=col, **_x_axis_kind(sub))
        if col == 1:
            figure.update_yaxes(title_text=info.target_name, row=1, col=col)
    if len(info.subplots) > 3:
        figure.update_layout(width=300 * len(info.subplots))
    return figure


def _x_axis_kind(sub: SliceSubplotInfo) -> dict[str, Any]:
    if not sub.is_numerical:
        return {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": category_labels(sub),
        }
    if sub.is_log:
        return {"type": "log"}
    return {}


def _traces(sub: SliceSubplotInfo) -> list[Any]:
    go = plotly_modules().go
    ok, bad = split_feasible(sub)
    traces = [
        go.Scatter(
            x=ok.x,
            y=ok.y,
            mode="markers",
            name="Feasible Trial",
            marker={
                "line": {"width": 0.5, "color": "Grey"},
                "color": ok.trial_numbers,
                "colorscale": color_scale(),
                "colorbar": {"title": "Trial", "x": 1.0, "xpad": 40},
            },
            showlegend=False,
        )
    ]
    if bad.x:
        traces.append(
            go.Scatter(
                x=bad.x,
                y=bad.y,
                mode="markers",
                name="Infeasible Trial",
                marker={"color": "#cccccc"},
                showlegend=False,
            )
        )
    return traces
