"""Empirical distribution function drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hpo._deprecated import experimental_func
from hpo.visualization._edf import get_edf_info
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("2.2.0")
def plot_edf(
    study: Study | Sequence[Study],
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes:
    """Plot the empirical distribution function of the objective values, one line per study.

    Args:
        study: A study, or several studies.
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the x axis.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=10)
        >>> len(hpo.visualization.matplotlib.plot_edf(study).get_lines())
        1
    """
    plt = pyplot()
    info = get_edf_info(study, target, target_name)
    with style():
        _, ax = titled_axes(
            "Empirical Distribution Function Plot", target_name, "Cumulative Probability"
        )
        ax.set_ylim(0, 1)
        cmap = plt.get_cmap("tab20")
        for i, line in enumerate(info.lines):
            ax.plot(info.x_values, line.y_values, color=cmap(i), alpha=0.7, label=line.study_name)
        if len(info.lines) >= 2:
            ax.legend()
    return ax
