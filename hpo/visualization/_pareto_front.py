"""Pareto-front plot of a multi-objective study (two or three objectives)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from hpo.logging import get_logger
from hpo.study._multi_objective import is_pareto_front, loss_matrix
from hpo.trial import TrialState
from hpo.visualization._utils import is_feasible, make_hovertext, plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)

TrialPoints = list[tuple["FrozenTrial", list[float]]]


class ParetoFrontInfo(NamedTuple):
    n_targets: int
    target_names: list[str]
    best_trials_with_values: TrialPoints
    non_best_trials_with_values: TrialPoints
    infeasible_trials_with_values: TrialPoints
    axis_order: list[int]
    include_dominated_trials: bool
    has_constraints: bool


def get_pareto_front_info(
    study: Study,
    target_names: list[str] | None,
    include_dominated_trials: bool,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None,
) -> ParetoFrontInfo:
    """Completed trials split into Pareto-optimal, dominated and infeasible ones.

    Raises:
        ValueError: The plot would not have 2 or 3 axes, ``target_names`` has the wrong
            length, or ``targets`` does not return a sequence.
    """
    if constraints_func is not None:
        warnings.warn(
            "`constraints_func` has been deprecated in v4.0.0. This feature will be removed in "
            "v6.0.0. Use `constraints_func` of the sampler instead: constraint values stored "
            "on the trials are used automatically.",
            FutureWarning,
            stacklevel=3,
        )
    feasible: list[FrozenTrial] = []
    infeasible: list[FrozenTrial] = []
    has_constraints = False
    for trial in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if constraints_func is not None:
            has_constraints = True
            ok = all(c <= 0.0 for c in constraints_func(trial))
        else:
            has_constraints |= bool(trial.constraints)
            ok = is_feasible(trial)
        (feasible if ok else infeasible).append(trial)

    on_front = is_pareto_front(loss_matrix(feasible, study.directions))
    best = [t for t, front in zip(feasible, on_front) if front]
    dominated = (
        [t for t, front in zip(feasible, on_front) if not front]
        if include_dominated_trials
        else []
    )
    if not best:
        kind = "completed and feasible" if has_constraints else "completed"
        _logger.warning(f"Your study does not have any {kind} trials. ")

    if targets is None and len(study.directions) not in (2, 3):
        raise ValueError(
            "`plot_pareto_front` function only supports 2 or 3 objective studies when using "
            "`targets` is `None`. Please use `targets` if your objective studies have more "
            "than 3 objectives."
        )
    get = targets if targets is not None else (lambda t: t.values)
    best_pts = _with_values(best, get)
    dominated_pts = _with_values(dominated, get)
    infeasible_pts = _with_values(infeasible, get)

    n_targets = next((len(p[0][1]) for p in (best_pts, infeasible_pts) if p), None)
    if n_targets is None:
        if target_names is not None:
            n_targets = len(target_names)
        elif targets is None:
            n_targets = len(study.directions)
        else:
            raise ValueError(
                "If `targets` is specified for empty studies, `target_names` must be specified."
            )
    if n_targets not in (2, 3):
        raise ValueError(
            "`plot_pareto_front` function only supports 2 or 3 targets. "
            f"you used {n_targets} targets now."
        )
    if target_names is None:
        target_names = study.metric_names or [f"Objective {i}" for i in range(n_targets)]
    elif len(target_names) != n_targets:
        raise ValueError(f"The length of `target_names` is supposed to be {n_targets}.")
    return ParetoFrontInfo(
        n_targets,
        list(target_names),
        best_pts,
        dominated_pts,
        infeasible_pts,
        list(range(n_targets)),
        include_dominated_trials,
        has_constraints,
    )


def _with_values(
    trials: list[FrozenTrial], get: Callable[[FrozenTrial], Sequence[float]]
) -> TrialPoints:
    out = []
    for trial in trials:
        values = get(trial)
        if not isinstance(values, Sequence):
            raise ValueError(
                "`targets` should return a sequence of target values. "
                f"your `targets` returns {type(values)}"
            )
        out.append((trial, list(values)))
    return out


def _marker(info: ParetoFrontInfo, trials: list[FrozenTrial], kind: str) -> dict[str, Any]:
    if kind == "infeasible":
        return {"color": "#cccccc"}
    numbers = [t.number for t in trials]
    if kind == "dominated":
        return {
            "line": {"width": 0.5, "color": "Grey"},
            "color": numbers,
            "colorscale": "Blues",
            "colorbar": {"title": "Trial"},
        }
    return {
        "line": {"width": 0.5, "color": "Grey"},
        "color": numbers,
        "colorscale": "Reds",
        "colorbar": {
            "title": "Best Trial",
            "x": 1.1 if info.include_dominated_trials else 1,
            "xpad": 40,
        },
    }


def _scatter(info: ParetoFrontInfo, points: TrialPoints, kind: str, label: str) -> Any:
    go = plotly_modules().go
    trials = [t for t, _ in points]
    coords = {
        axis: [values[info.axis_order[i]] for _, values in points]
        for i, axis in enumerate("xyz"[: info.n_targets])
    }
    common = {
        "text": [make_hovertext(t) for t in trials],
        "mode": "markers",
        "hovertemplate": f"%{{text}}<extra>{label}</extra>",
        "marker": _marker(info, trials, kind),
        "showlegend": False,
    }
    if info.n_targets == 2:
        return go.Scatter(**coords, **common)
    return go.Scatter3d(**coords, **common)


def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Figure:
    """Plot the Pareto front of a study with two or three objectives.

    Pareto-optimal trials are red (by trial number), dominated ones blue; with constraints,
    infeasible trials are grey and never on the front.

    Args:
        study: A multi-objective study.
        target_names: Axis names; default the study's metric names or ``Objective i``.
        include_dominated_trials: Also plot the dominated trials.
        constraints_func: Deprecated; constraint values stored on the trials (from the
            sampler's ``constraints_func``) are used automatically.
        targets: Maps a trial to the 2 or 3 values to plot; required for studies with more
            than three objectives.

    Returns:
        A ``plotly.graph_objects.Figure``: traces for the dominated trials then the best
        trials (preceded by one for the infeasible trials when there are constraints).

    Raises:
        ValueError: The plot would not have 2 or 3 axes or ``target_names`` has the wrong
            length.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(
        ...     lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)), n_trials=10
        ... )
        >>> fig = hpo.visualization.plot_pareto_front(study)
        >>> len(fig.data)
        2
    """
    go = plotly_modules().go
    info = get_pareto_front_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    data = []
    if info.has_constraints:
        data.append(
            _scatter(info, info.infeasible_trials_with_values, "infeasible", "Infeasible Trial")
        )
    dominated_label = "Feasible Trial" if info.has_constraints else "Trial"
    data.append(_scatter(info, info.non_best_trials_with_values, "dominated", dominated_label))
    data.append(_scatter(info, info.best_trials_with_values, "best", "Best Trial"))
    names = [info.target_names[i] for i in info.axis_order]
    if info.n_targets == 2:
        layout = go.Layout(title="Pareto-front Plot", xaxis_title=names[0], yaxis_title=names[1])
    else:
        layout = go.Layout(
            title="Pareto-front Plot",
            scene={"xaxis_title": names[0], "yaxis_title": names[1], "zaxis_title": names[2]},
        )
    return go.Figure(data=data, layout=layout)
