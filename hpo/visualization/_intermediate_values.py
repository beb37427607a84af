"""Intermediate values: the learning curve each trial reported with ``trial.report``."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from hpo.logging import get_logger
from hpo.trial import TrialState
from hpo.visualization._utils import is_feasible, plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study

_logger = get_logger(__name__)


class CurveInfo(NamedTuple):
    trial_number: int
    steps: list[int]
    values: list[float]
    feasible: bool


def get_curves(study: Study) -> list[CurveInfo]:
    """Curves of the pruned, complete and running trials that reported anything."""
    trials = study.get_trials(
        deepcopy=False, states=(TrialState.PRUNED, TrialState.COMPLETE, TrialState.RUNNING)
    )
    curves = []
    for trial in trials:
        if not trial.intermediate_values:
            continue
        steps = sorted(trial.intermediate_values)
        values = [trial.intermediate_values[s] for s in steps]
        curves.append(CurveInfo(trial.number, steps, values, is_feasible(trial)))
    if not trials:
        _logger.warning("Study instance does not contain trials.")
    elif not curves:
        _logger.warning(
            "You need to set up the pruning feature to utilize `plot_intermediate_values()`"
        )
    return curves


def plot_intermediate_values(study: Study) -> Figure:
    """Plot the intermediate values every trial reported, one line per trial.

    Lines of infeasible trials are grey.

    Args:
        study: The study whose trials' intermediate values are plotted.

    Returns:
        A ``plotly.graph_objects.Figure`` (empty if no trial reported values).

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(3):
        ...         trial.report(x / (step + 1), step)
        ...     return x
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=4)
        >>> len(hpo.visualization.plot_intermediate_values(study).data)
        4
    """
    go = plotly_modules().go
    layout = go.Layout(
        title="Intermediate Values Plot",
        xaxis={"title": "Step"},
        yaxis={"title": "Intermediate Value"},
        showlegend=False,
    )
    marker = {"maxdisplayed": 10}
    traces = [
        go.Scatter(
            x=tuple(curve.steps),
            y=tuple(curve.values),
            mode="lines+markers",
            marker=marker if curve.feasible else {**marker, "color": "#CCCCCC"},
            name=f"Trial{curve.trial_number}",
        )
        for curve in get_curves(study)
    ]
    return go.Figure(data=traces, layout=layout)
