"""Empirical distribution function of the objective values, one line per study."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hpo.logging import get_logger
from hpo.visualization._utils import (
    as_studies,
    check_plot_args,
    finite_completed_trials,
    plotly_modules,
    target_or_value,
)

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)

NUM_SAMPLES_X_AXIS = 100


class EdfLine(NamedTuple):
    study_name: str
    y_values: np.ndarray


class EdfInfo(NamedTuple):
    lines: list[EdfLine]
    x_values: np.ndarray


def get_edf_info(
    study: Study | Sequence[Study],
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> EdfInfo:
    """Share of each study's completed trials at or below 100 evenly spaced values."""
    studies = as_studies(study)
    check_plot_args(studies, target, target_name)
    if not studies:
        _logger.warning("There are no studies.")
        return EdfInfo([], np.array([]))
    get = target_or_value(target)
    samples = []
    for s in studies:
        trials = finite_completed_trials(s, target)
        samples.append(np.array([float(get(t)) for t in trials]))
    if all(v.size == 0 for v in samples):
        _logger.warning("There are no complete trials.")
        return EdfInfo([], np.array([]))
    pooled = np.concatenate(samples)
    xs = np.linspace(pooled.min(), pooled.max(), NUM_SAMPLES_X_AXIS)
    lines = [EdfLine(s.study_name, _cumulative_share(v, xs)) for s, v in zip(studies, samples)]
    return EdfInfo(lines, xs)


def _cumulative_share(values: np.ndarray, xs: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return np.full(xs.size, np.nan)
    return np.sum(values[:, None] <= xs, axis=0) / values.size


def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot the empirical distribution function (EDF) of the objective values.

    For a value ``v`` on the x axis, a line shows the fraction of the study's completed trials
    whose value is at most ``v``. Comparing studies, a line rising earlier (when minimising)
    means better values were found more often.

    Args:
        study: A study, or several studies (one line each).
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the x axis.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(study_name="demo")
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)
        >>> fig = hpo.visualization.plot_edf(study)
        >>> float(fig.data[0].y[-1])
        1.0
    """
    go = plotly_modules().go
    layout = go.Layout(
        title="Empirical Distribution Function Plot",
        xaxis={"title": target_name},
        yaxis={"title": "Cumulative Probability"},
    )
    info = get_edf_info(study, target, target_name)
    if not info.lines:
        return go.Figure(data=[], layout=layout)
    traces = [
        go.Scatter(x=info.x_values, y=line.y_values, name=line.study_name, mode="lines")
        for line in info.lines
    ]
    figure = go.Figure(data=traces, layout=layout)
    figure.update_yaxes(range=[0, 1])
    return figure
