"""Slice plot drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hpo._deprecated import experimental_func
from hpo.visualization._slice import SliceSubplotInfo, get_slice_plot_info, split_feasible
from hpo.visualization._utils import padded_range
from hpo.visualization.matplotlib._utils import pyplot, style

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("2.2.0")
def plot_slice(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes | np.ndarray:
    """Plot the objective value against each parameter, one panel per parameter.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default.
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the y axis.

    Returns:
        One matplotlib ``Axes`` for a single parameter (or none), else an array of ``Axes``
        (one per parameter, sorted by name).

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(
        ...     lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_int("n", 0, 3), n_trials=10
        ... )
        >>> axes = hpo.visualization.matplotlib.plot_slice(study)
        >>> [ax.get_xlabel() for ax in axes]
        ['n', 'x']
    """
    plt = pyplot()
    info = get_slice_plot_info(study, params, target, target_name)
    if not info.subplots:
        _, ax = plt.subplots()
        return ax
    with style():
        cmap = plt.get_cmap("Blues")
        if len(info.subplots) == 1:
            fig, axs = plt.subplots()
            axs.set_title("Slice Plot")
            mappable = _draw(axs, info.subplots[0], cmap, info.target_name)
        else:
            width, height = plt.rcParams["figure.figsize"]
            fig, axs = plt.subplots(
                1,
                len(info.subplots),
                sharey=True,
                figsize=(width / 2 * len(info.subplots), height),
            )
            fig.suptitle("Slice Plot")
            for ax, sub in zip(axs, info.subplots):
                mappable = _draw(ax, sub, cmap, info.target_name)
        colorbar = fig.colorbar(mappable, ax=axs)
        colorbar.set_label("Trial")
    return axs


def _draw(ax: Any, sub: SliceSubplotInfo, cmap: Any, target_name: str) -> Any:
    ax.set(xlabel=sub.param_name, ylabel=target_name)
    ok, bad = split_feasible(sub)
    scale = None
    if not sub.is_numerical:
        scale = "categorical"
    elif sub.is_log:
        ax.set_xscale("log")
        scale = "log"
    xs = ok.x + bad.x
    if xs:
        ax.set_xlim(*padded_range(xs, scale))
    mappable = ax.scatter(ok.x, ok.y, c=ok.trial_numbers, cmap=cmap, edgecolors="grey")
    ax.scatter(bad.x, bad.y, c="#cccccc", label="Infeasible Trial")
    ax.label_outer()
    return mappable
