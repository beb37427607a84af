"""Parameter importances drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_func
from hpo.visualization._param_importances import get_importances_infos
from hpo.visualization.matplotlib._utils import pyplot, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.importance import BaseImportanceEvaluator
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_LABEL_ROOM = 1.05  # widen the x axis so the value labels beside the bars fit


@experimental_func("2.2.0")
def plot_param_importances(
    study: Study,
    evaluator: BaseImportanceEvaluator | None = None,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes:
    """Plot the parameter importances as horizontal bars, most important on top.

    Args:
        study: An optimized study.
        evaluator: The importance algorithm; defaults to
            :class:`~hpo.importance.PedAnovaImportanceEvaluator`.
        params: Parameters to assess; by default all.
        target: Maps a trial to the value whose importances are plotted.
        target_name: Name of the target in the legend.

    Returns:
        A matplotlib ``Axes``; a multi-objective study without ``target`` gets one group of
        bars per objective.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + 0.01 * trial.suggest_float("y", 0, 1)
        >>> study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
        >>> study.optimize(objective, n_trials=30)
        >>> ax = hpo.visualization.matplotlib.plot_param_importances(study)
        >>> [label.get_text() for label in ax.get_yticklabels()]
        ['y', 'x']
    """
    plt = pyplot()
    infos = get_importances_infos(study, evaluator, params, target, target_name)
    with style():
        fig, ax = plt.subplots()
        ax.set_title("Hyperparameter Importances", loc="left")
        ax.set_xlabel("Hyperparameter Importance")
        ax.set_ylabel("Hyperparameter")
        height = 0.8 / len(infos)
        drawn = False
        for k, info in enumerate(infos):
            if not info.importance_values:
                continue
            drawn = True
            pos = np.arange(len(info.param_names))
            offset = height * k
            ax.barh(
                pos + offset,
                info.importance_values,
                height=height,
                align="center",
                label=info.target_name,
                color=plt.get_cmap("tab20c")(k),
            )
            renderer = fig.canvas.get_renderer()
            for i, (value, label) in enumerate(
                zip(info.importance_values, info.importance_labels)
            ):
                text = ax.text(value, i + offset, label, va="center")
                right = text.get_window_extent(renderer).transformed(ax.transData.inverted()).xmax
                if right > ax.get_xlim()[1]:
                    ax.set_xlim(right=_LABEL_ROOM * right)
            ax.set_yticks(pos + offset / 2, info.param_names)
        if drawn:
            ax.legend(loc="best")
    return ax
