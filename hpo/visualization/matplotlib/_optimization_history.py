"""Optimization history drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_func
from hpo.visualization._optimization_history import (
    get_history_info_list,
    split_points,
    warn_error_bar_on_infeasible,
)
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("2.2.0")
def plot_optimization_history(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
    error_bar: bool = False,
) -> Axes:
    """Plot every trial's objective value by trial number, with the best value so far.

    Same data as :func:`hpo.visualization.plot_optimization_history`.

    Args:
        study: A study, or several studies to compare on one plot.
        target: Maps a trial to the value to plot. Required for multi-objective studies; with
            a target no best-value line is drawn.
        target_name: Name of the target on the axis and in the legend.
        error_bar: With several studies, plot the mean per trial number with error bars.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
        >>> ax = hpo.visualization.matplotlib.plot_optimization_history(study)
        >>> ax.get_title()
        'Optimization History Plot'
    """
    plt = pyplot()
    infos = get_history_info_list(study, target, target_name, error_bar)
    with style():
        _, ax = titled_axes("Optimization History Plot", "Trial", target_name, tight_layout=True)
        cmap = plt.get_cmap("tab10")
        single = len(infos) == 1
        for i, (numbers, values_info, best_info) in enumerate(infos):
            warn_error_bar_on_infeasible(values_info)
            ok_n, ok_v, bad_n, bad_v = split_points(numbers, values_info)
            color = cmap(0) if single else cmap(2 * i)
            if values_info.stds is not None:
                ax.errorbar(
                    ok_n, ok_v, yerr=values_info.stds, capsize=5, fmt="o", color="tab:blue"
                )
            ax.scatter(ok_n, ok_v, color=color, alpha=1, label=values_info.label_name)
            if best_info is not None:
                best_color = cmap(3) if single else cmap(2 * i + 1)
                ax.plot(
                    numbers,
                    best_info.values,
                    color=best_color,
                    alpha=0.5,
                    label=best_info.label_name,
                )
                if best_info.stds is not None:
                    mean, std = np.asarray(best_info.values), np.asarray(best_info.stds)
                    ax.fill_between(numbers, mean - std, mean + std, color="tab:red", alpha=0.4)
            ax.scatter(bad_n, bad_v, color="#cccccc")
        if infos:
            ax.legend(bbox_to_anchor=(1.05, 1.0), loc="upper left")
    return ax
