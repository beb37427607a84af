"""Optimization history: every trial's value by trial number, with the best value so far."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hpo.logging import get_logger
from hpo.study._study_direction import StudyDirection
from hpo.trial import TrialState
from hpo.visualization._utils import (
    as_studies,
    check_plot_args,
    is_feasible,
    plotly_modules,
    target_or_value,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)


class ValueState(enum.Enum):
    FEASIBLE = 0
    INFEASIBLE = 1
    INCOMPLETE = 2


class ValuesInfo(NamedTuple):
    values: list[float]
    stds: list[float] | None
    label_name: str
    states: list[ValueState]


class HistoryInfo(NamedTuple):
    trial_numbers: list[int]
    values_info: ValuesInfo
    best_values_info: ValuesInfo | None


def _study_history(
    study: Study, target: Callable[[FrozenTrial], float] | None, label: str, best_label: str
) -> HistoryInfo:
    trials = study.get_trials(deepcopy=False)
    get = target_or_value(target)
    values: list[float] = []
    states: list[ValueState] = []
    for trial in trials:
        if trial.state != TrialState.COMPLETE:
            values.append(float("nan"))
            states.append(ValueState.INCOMPLETE)
            continue
        states.append(ValueState.FEASIBLE if is_feasible(trial) else ValueState.INFEASIBLE)
        values.append(float(get(trial)))
    best: ValuesInfo | None = None
    if target is None:
        maximize = study.direction == StudyDirection.MAXIMIZE
        worst = -np.inf if maximize else np.inf
        feasible = np.array(
            [v if s == ValueState.FEASIBLE else worst for v, s in zip(values, states)], dtype=float
        )
        running = np.maximum.accumulate(feasible) if maximize else np.minimum.accumulate(feasible)
        best = ValuesInfo(running.tolist(), None, best_label, states)
    return HistoryInfo([t.number for t in trials], ValuesInfo(values, None, label, states), best)


def get_history_info_list(
    study: Study | Sequence[Study],
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
    error_bar: bool,
) -> list[HistoryInfo]:
    """One history per study, or (``error_bar``) their mean and standard deviation per trial."""
    check_plot_args(study, target, target_name)
    studies = as_studies(study)
    single = len(studies) == 1
    infos = [
        _study_history(
            s,
            target,
            target_name if single else f"{target_name} of {s.study_name}",
            "Best Value" if single else f"Best Value of {s.study_name}",
        )
        for s in studies
    ]
    if not infos:
        _logger.warning("There are no studies.")
    n_feasible = sum(i.values_info.states.count(ValueState.FEASIBLE) for i in infos)
    n_infeasible = sum(i.values_info.states.count(ValueState.INFEASIBLE) for i in infos)
    if n_feasible + n_infeasible == 0:
        _logger.warning("There are no complete trials.")
        return []
    if not error_bar:
        return infos
    if n_feasible == 0:
        _logger.warning("There are no feasible trials.")
        return []
    numbers, mean_info = _aggregate(infos, target_name, use_best=False)
    best_info = _aggregate(infos, "Best Value", use_best=True)[1] if target is None else None
    return [HistoryInfo(numbers, mean_info, best_info)]


def _aggregate(
    infos: list[HistoryInfo], label: str, use_best: bool
) -> tuple[list[int], ValuesInfo]:
    """Mean and standard deviation over the studies, per trial number with a feasible trial."""
    size = max(n for info in infos for n in info.trial_numbers) + 1
    samples: list[list[float]] = [[] for _ in range(size)]
    seen: list[set[ValueState]] = [set() for _ in range(size)]
    for info in infos:
        source = info.best_values_info if use_best else info.values_info
        assert source is not None
        for n, v, s in zip(info.trial_numbers, source.values, info.values_info.states):
            if not np.isinf(v) and (use_best or s == ValueState.FEASIBLE):
                samples[n].append(v)
            seen[n].add(s)
    numbers, means, stds, states = [], [], [], []
    for n in range(size):
        if ValueState.FEASIBLE in seen[n]:
            numbers.append(n)
            means.append(float(np.mean(samples[n])))
            stds.append(float(np.std(samples[n])))
            states.append(ValueState.FEASIBLE)
        else:
            states.append(ValueState.INFEASIBLE)
    return numbers, ValuesInfo(means, stds, label, states)


def split_points(
    trial_numbers: list[int], info: ValuesInfo
) -> tuple[list[int], list[float], list[int], list[float]]:
    """Trial numbers and values of the feasible and of the infeasible points to draw."""
    if info.stds is not None:
        return trial_numbers, info.values, [], []
    points = list(zip(trial_numbers, info.values, info.states))
    ok = [(n, v) for n, v, s in points if s == ValueState.FEASIBLE]
    bad = [(n, v) for n, v, s in points if s == ValueState.INFEASIBLE]
    return [n for n, _ in ok], [v for _, v in ok], [n for n, _ in bad], [v for _, v in bad]


def warn_error_bar_on_infeasible(info: ValuesInfo) -> None:
    if info.stds is not None and any(s != ValueState.FEASIBLE for s in info.states):
        _logger.warning(
            "Your study contains infeasible trials. In optimization history plot, "
            "error bars are calculated for only feasible trial values."
        )


def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Figure:
    """Plot every trial's objective value by trial number, with the best value so far.

    Infeasible trials (a positive constraint value) are drawn grey and never count as best.

    Args:
        study: A study, or several studies to compare on one plot.
        target: Maps a trial to the value to plot. Required for multi-objective studies; with
            a target no best-value line is drawn.
        target_name: Name of the target on the axis and in the legend.
        error_bar: With several studies, plot the mean over studies per trial number with the
            standard deviation as error bars (and a band around the mean best value).

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
        >>> fig = hpo.visualization.plot_optimization_history(study)
        >>> [trace.name for trace in fig.data]
        ['Objective Value', 'Best Value', 'Infeasible Trial']
    """
    go = plotly_modules().go
    infos = get_history_info_list(study, target, target_name, error_bar)
    layout = go.Layout(
        title="Optimization History Plot",
        xaxis={"title": "Trial"},
        yaxis={"title": target_name},
    )
    traces = []
    for numbers, values_info, best_info in infos:
        warn_error_bar_on_infeasible(values_info)
        ok_n, ok_v, bad_n, bad_v = split_points(numbers, values_info)
        error_y = (
            None
            if values_info.stds is None
            else {"type": "data", "array": values_info.stds, "visible": True}
        )
        traces.append(
            go.Scatter(
                x=ok_n, y=ok_v, error_y=error_y, mode="markers", name=values_info.label_name
            )
        )
        if best_info is not None:
            traces.append(
                go.Scatter(x=numbers, y=best_info.values, name=best_info.label_name, mode="lines")
            )
            if best_info.stds is not None:
                mean = np.asarray(best_info.values)
                std = np.asarray(best_info.stds)
                traces.append(
                    go.Scatter(
                        x=numbers,
                        y=mean + std,
                        mode="lines",
                        line={"width": 0.01},
                        showlegend=False,
                    )
                )
                traces.append(
                    go.Scatter(
                        x=numbers,
                        y=mean - std,
                        mode="none",
                        showlegend=False,
                        fill="tonexty",
                        fillcolor="rgba(255,0,0,0.2)",
                    )
                )
        traces.append(
            go.Scatter(
                x=bad_n,
                y=bad_v,
                error_y=error_y,
                mode="markers",
                name="Infeasible Trial",
                marker={"color": "#cccccc"},
                showlegend=False,
            )
        )
    return go.Figure(data=traces, layout=layout)
