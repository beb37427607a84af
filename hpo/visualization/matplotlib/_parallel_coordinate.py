"""Parallel coordinate plot drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_func
from hpo.visualization._parallel_coordinate import get_parallel_coordinate_info
from hpo.visualization.matplotlib._utils import pyplot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("2.2.0")
def plot_parallel_coordinate(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes:
    """Plot each trial as a line across the objective and parameter axes.

    Every axis is drawn at its own scale: the lines are placed in the units of the first
    (objective) axis, and each parameter axis gets its own ticks.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to plot on the objective axis.
        target_name: Name of the target axis and colour bar.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: An unknown parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_int("n", 0, 3)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> ax = hpo.visualization.matplotlib.plot_parallel_coordinate(study)
        >>> len(ax.collections[0].get_segments())
        5
    """
    plt = pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.colors import BoundaryNorm
    from matplotlib.lines import Line2D

    info = get_parallel_coordinate_info(study, params, target, target_name)
    first = info.dims_objectives[0]
    others = info.dims_objectives[1:] + info.dims_params
    fig, ax = plt.subplots()
    cmap = plt.get_cmap("Blues_r" if info.reverse_scale else "Blues")
    ax.set_title("Parallel Coordinate Plot", y=1.03)
    ax.spines["top"].set_visible(False)
    ax.spines["bottom"].set_visible(False)
    if not info.dims_params or not first.values:
        return ax

    low, high = first.range
    constant = low == high
    if constant:
        pad = abs(low) * 0.05 if low != 0.0 else 0.5
        low, high = low - pad, high + pad
    order = list(info.draw_order)
    rows = np.empty((len(order), len(others) + 1))
    rows[:, 0] = [first.values[i] for i in order]
    for j, dim in enumerate(others, start=1):
        d_low, d_high = dim.range
        if d_high == d_low:
            rows[:, j] = (low + high) / 2
        else:
            scaled = (np.asarray(dim.values)[order] - d_low) / (d_high - d_low)
            rows[:, j] = low + scaled * (high - low)
    ax.set_xlim(0, len(others))
    ax.set_ylim(low, high)
    if constant:
        ax.set_yticks([first.range[0]])
    xs = np.arange(len(others) + 1)
    lines = LineCollection([np.column_stack([xs, row]) for row in rows], cmap=cmap)
    if info.feasibility is not None:
        lines.set_linestyle(["solid" if info.feasibility[i] else "dotted" for i in order])
        handles = [
            Line2D([0], [0], color="#2F3B52", linestyle=style, label=label)
            for label, style in (("Feasible", "solid"), ("Infeasible", "dotted"))
        ]
        ax.legend(
            handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.02), ncol=2, frameon=False
        )
    colors = np.asarray(info.color_values)[order]
    lines.set_array(colors)
    if info.is_rank_color:
        lines.set_norm(BoundaryNorm(np.arange(-0.5, int(colors.max()) + 1.5), cmap.N))
    colorbar = fig.colorbar(lines, pad=0.1, ax=ax)
    if info.is_rank_color:
        colorbar.set_ticks(list(range(int(colors.max()) + 1)))
    colorbar.set_label(info.colorbar_title)
    ax.set_xticks(xs, [d.label for d in [first, *others]], rotation=330)
    for j, dim in enumerate(others, start=1):
        twin = ax.twinx()
        if dim.is_log and not dim.has_missing:
            twin.set_ylim(10 ** dim.range[0], 10 ** dim.range[1])
            twin.set_yscale("log")
        else:
            twin.set_ylim(*dim.range)
        twin.spines["top"].set_visible(False)
        twin.spines["bottom"].set_visible(False)
        twin.xaxis.set_visible(False)
        twin.spines["right"].set_position(("axes", j / len(others)))
        if dim.is_cat or dim.has_missing:
            twin.set_yticks(dim.tickvals)
            twin.set_yticklabels(dim.ticktext)
    ax.add_collection(lines)
    return ax
