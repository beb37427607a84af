"""Rank plot drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hpo._deprecated import experimental_func
from hpo.visualization._rank import (
    COLORMAP,
    RankSubplotInfo,
    get_rank_info,
    plotted_values,
    tick_info,
)
from hpo.visualization.matplotlib._utils import pair_subplots, pyplot, style

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("3.2.0")
def plot_rank(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes | np.ndarray:
    """Plot trials over each pair of parameters, coloured by the rank of their value.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to rank. Required for multi-objective studies.
        target_name: Name of the target in the title.

    Returns:
        One matplotlib ``Axes`` for up to two parameters, else an ``n x n`` array of ``Axes``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> ax = hpo.visualization.matplotlib.plot_rank(study)
        >>> ax.get_title()
        'Rank (Objective Value)'
    """
    plt = pyplot()
    info = get_rank_info(study, params, target, target_name)
    title = f"Rank ({info.target_name})"
    n = len(info.params)
    with style():
        fig, axs = pair_subplots(n, title)
        if n == 0:
            return axs
        if n <= 2:
            points = _draw(axs, info.sub_plot_infos[0][0])
        else:
            for yi in range(n):
                for xi in range(n):
                    points = _draw(
                        axs[yi, xi],
                        info.sub_plot_infos[yi][xi],
                        x_label=yi == n - 1,
                        y_label=xi == 0,
                    )
        positions, texts = tick_info(info.zs)
        points.set_cmap(plt.get_cmap(COLORMAP))
        colorbar = fig.colorbar(points, ax=axs, ticks=positions)
        colorbar.ax.set_yticklabels(texts)
        colorbar.outline.set_edgecolor("gray")
    return axs


def _draw(ax: Any, sub: RankSubplotInfo, x_label: bool = True, y_label: bool = True) -> Any:
    if x_label:
        ax.set_xlabel(sub.xaxis.name)
    if y_label:
        ax.set_ylabel(sub.yaxis.name)
    if not sub.xaxis.is_cat:
        ax.set_xlim(*sub.xaxis.range)
    if not sub.yaxis.is_cat:
        ax.set_ylim(*sub.yaxis.range)
    if sub.xaxis.is_log:
        ax.set_xscale("log")
    if sub.yaxis.is_log:
        ax.set_yscale("log")
    return ax.scatter(
        x=plotted_values(sub.xaxis, sub.xs),
        y=plotted_values(sub.yaxis, sub.ys),
        c=sub.colors / 255,
        edgecolors="grey",
    )
