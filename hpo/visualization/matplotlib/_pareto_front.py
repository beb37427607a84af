"""Pareto-front plot drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from hpo._deprecated import experimental_func
from hpo.visualization._pareto_front import TrialPoints, get_pareto_front_info
from hpo.visualization.matplotlib._utils import pyplot, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial


@experimental_func("2.8.0")
def plot_pareto_front(
    study: Study,
    *,
    target_names: list[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> Axes:
    """Plot the Pareto front of a study with two or three objectives.

    Args:
        study: A multi-objective study.
        target_names: Axis names; default the study's metric names or ``Objective i``.
        include_dominated_trials: Also plot the dominated trials.
        constraints_func: Deprecated; constraint values stored on the trials are used
            automatically.
        targets: Maps a trial to the 2 or 3 values to plot.

    Returns:
        A matplotlib ``Axes`` (3-D for three targets).

    Raises:
        ValueError: The plot would not have 2 or 3 axes or ``target_names`` has the wrong
            length.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(
        ...     lambda t: (t.suggest_float("x", 0, 1), 1 - t.suggest_float("y", 0, 1)), n_trials=10
        ... )
        >>> ax = hpo.visualization.matplotlib.plot_pareto_front(study)
        >>> ax.get_xlabel()
        'Objective 0'
    """
    plt = pyplot()
    info = get_pareto_front_info(
        study, target_names, include_dominated_trials, constraints_func, targets
    )
    order = info.axis_order
    names = [info.target_names[i] for i in order]
    with style():
        if info.n_targets == 2:
            _, ax = plt.subplots()
        else:
            ax = plt.figure().add_subplot(projection="3d")
        ax.set_title("Pareto-front Plot")
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        if info.n_targets == 3:
            ax.set_zlabel(names[2])
        cmap = plt.get_cmap("tab10")

        def draw(points: TrialPoints, color: object, label: str) -> None:
            if not points:
                return
            coords = [[values[i] for _, values in points] for i in order]
            ax.scatter(*coords, color=color, label=label)

        trial_label = "Trial"
        if info.infeasible_trials_with_values:
            draw(info.infeasible_trials_with_values, "#cccccc", "Infeasible Trial")
            trial_label = "Feasible Trial"
        draw(info.non_best_trials_with_values, cmap(0), trial_label)
        draw(info.best_trials_with_values, cmap(3), "Best Trial")
        if ax.has_data():
            ax.legend()
    return ax
