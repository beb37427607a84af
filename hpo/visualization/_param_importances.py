"""Parameter importance plot: a horizontal bar per parameter (and per objective)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from hpo.logging import get_logger
from hpo.visualization._utils import check_plot_args, finite_completed_trials, plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.importance import BaseImportanceEvaluator
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)


class ImportancesInfo(NamedTuple):
    importance_values: list[float]  # least important first (bottom bar first)
    param_names: list[str]
    importance_labels: list[str]
    target_name: str


def _importances_info(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> ImportancesInfo:
    from hpo.importance import get_param_importances

    check_plot_args(study, target, target_name)
    if not finite_completed_trials(study, target):
        _logger.warning("Study instance does not contain completed trials.")
        return ImportancesInfo([], [], [], target_name)
    importances = get_param_importances(study, evaluator=evaluator, params=params, target=target)
    ordered = list(importances.items())[::-1]
    values = [v for _, v in ordered]
    return ImportancesInfo(
        values,
        [n for n, _ in ordered],
        [f"{v:.2f}" if v >= 0.01 else "<0.01" for v in values],
        target_name,
    )


def get_importances_infos(
    study: Study,
    evaluator: BaseImportanceEvaluator | None,
    params: list[str] | None,
    target: Callable[[FrozenTrial], float] | None,
    target_name: str,
) -> tuple[ImportancesInfo, ...]:
    """One set of bars, or one per objective for a multi-objective study without ``target``."""
    metric_names = study.metric_names
    if target is not None or not study._is_multi_objective():
        name = metric_names[0] if metric_names is not None and target is None else target_name
        return (_importances_info(study, evaluator, params, target, name),)
    names = metric_names or [f"{target_name} {i}" for i in range(len(study.directions))]
    return tuple(
        _importances_info(study, evaluator, params, _objective(i), name)
        for i, name in enumerate(names)
    )


def _objective(index: int) -> Callable[[FrozenTrial], float]:
    return lambda t: t.values[index]  # type: ignore[index]


def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Figure:
    """Plot the parameter importances as horizontal bars, most important on top.

    Importances come from :func:`hpo.importance.get_param_importances`. A multi-objective
    study without ``target`` gets one bar trace per objective.

    Args:
        study: An optimized study.
        evaluator: The importance algorithm; defaults to
            :class:`~hpo.importance.PedAnovaImportanceEvaluator`.
        params: Parameters to assess; by default all (see ``get_param_importances``).
        target: Maps a trial to the value whose importances are plotted.
        target_name: Name of the target in the legend.

    Returns:
        A ``plotly.graph_objects.Figure`` of ``Bar`` traces.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + 0.01 * trial.suggest_float("y", 0, 1)
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=30)
        >>> fig = hpo.visualization.plot_param_importances(study)
        >>> fig.data[0].y[-1]
        'x'
    """
    go = plotly_modules().go
    infos = get_importances_infos(study, evaluator, params, target, target_name)
    layout = go.Layout(
        title="Hyperparameter Importances",
        xaxis={"title": "Hyperparameter Importance"},
        yaxis={"title": "Hyperparameter"},
    )
    kinds = _distribution_names(study)
    bars = [
        go.Bar(
            x=info.importance_values,
            y=info.param_names,
            name=info.target_name,
            text=info.importance_labels,
            textposition="outside",
            cliponaxis=False,
            hovertemplate=[
                f"{name} ({kinds.get(name, '')}): {value}<extra></extra>"
                for name, value in zip(info.param_names, info.importance_values)
            ],
            orientation="h",
        )
        for info in infos
        if info.importance_values
    ]
    return go.Figure(bars, layout)


def _distribution_names(study: Study) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for trial in study.get_trials(deepcopy=False):
        for name, dist in trial.distributions.items():
            kinds.setdefault(name, type(dist).__name__)
    return kinds
