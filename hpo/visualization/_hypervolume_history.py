"""Hypervolume history: the hypervolume of the feasible Pareto front after each trial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hpo._deprecated import experimental_func
from hpo._hypervolume import compute_hypervolume
from hpo.logging import get_logger
from hpo.study._study_direction import StudyDirection
from hpo.trial import TrialState
from hpo.visualization._utils import is_feasible, plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study

_logger = get_logger(__name__)


class HypervolumeHistoryInfo(NamedTuple):
    trial_numbers: list[int]
    values: list[float]


def check_hypervolume_args(study: Study, reference_point: Sequence[float]) -> None:
    if not study._is_multi_objective():
        raise ValueError(
            "Study must be multi-objective. For single-objective optimization, "
            "please use plot_optimization_history instead."
        )
    if len(reference_point) != len(study.directions):
        raise ValueError(
            "The dimension of the reference point must be the same as the number of objectives."
        )


def get_hypervolume_history_info(
    study: Study, reference_point: np.ndarray
) -> HypervolumeHistoryInfo:
    """Hypervolume after each completed trial, updated incrementally from the current front."""
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not trials:
        _logger.warning("Your study does not have any completed trials.")
    signs = np.array([1.0 if d == StudyDirection.MINIMIZE else -1.0 for d in study.directions])
    ref = signs * reference_point
    front: np.ndarray | None = None  # current non-dominated losses
    volume = 0.0
    numbers: list[int] = []
    volumes: list[float] = []
    for trial in trials:
        numbers.append(trial.number)
        loss = signs * np.asarray(trial.values, dtype=float)
        dominated = front is not None and bool(np.any(np.all(front <= loss, axis=1)))
        if is_feasible(trial) and not dominated and np.all(loss <= ref):
            # Add the new point's box, minus the part the current front already covers.
            volume += float(np.prod(ref - loss))
            if front is None:
                front = loss[None, :]
            else:
                volume -= compute_hypervolume(np.maximum(front, loss), ref)
                front = np.vstack([front[np.any(front < loss, axis=1)], loss])
        volumes.append(volume)
    if front is None:
        _logger.warning("Your study does not have any feasible trials.")
    return HypervolumeHistoryInfo(numbers, volumes)


@experimental_func("3.3.0")
def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Figure:
    """Plot the hypervolume of the (feasible) Pareto front after each trial.

    Args:
        study: A multi-objective study.
        reference_point: The point, in objective values, bounding the hypervolume; it should
            be worse than every Pareto-optimal trial in each objective.

    Returns:
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: The study is single-objective, or ``reference_point`` does not have one
            value per objective.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(directions=["minimize", "maximize"])
        >>> study.optimize(
        ...     lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=5
        ... )
        >>> fig = hpo.visualization.plot_hypervolume_history(study, reference_point=[1.0, 0.0])
        >>> len(fig.data[0].x)
        5
    """
    go = plotly_modules().go
    check_hypervolume_args(study, reference_point)
    info = get_hypervolume_history_info(study, np.asarray(reference_point, dtype=float))
    layout = go.Layout(
        title="Hypervolume History Plot", xaxis={"title": "Trial"}, yaxis={"title": "Hypervolume"}
    )
    return go.Figure(
        data=go.Scatter(x=info.trial_numbers, y=info.values, mode="lines+markers"), layout=layout
    )
