"""Hypervolume history drawn with matplotlib."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from hpo._deprecated import experimental_func
from hpo.visualization._hypervolume_history import (
    check_hypervolume_args,
    get_hypervolume_history_info,
)
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study


@experimental_func("3.3.0")
def plot_hypervolume_history(study: Study, reference_point: Sequence[float]) -> Axes:
    """Plot the hypervolume of the (feasible) Pareto front after each trial.

    Args:
        study: A multi-objective study.
        reference_point: The point, in objective values, bounding the hypervolume.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: The study is single-objective, or ``reference_point`` does not have one
            value per objective.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(directions=["minimize", "minimize"])
        >>> study.optimize(
        ...     lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), n_trials=5
        ... )
        >>> ax = hpo.visualization.matplotlib.plot_hypervolume_history(study, [1.0, 1.0])
        >>> len(ax.get_lines()[0].get_xdata())
        5
    """
    plt = pyplot()
    check_hypervolume_args(study, reference_point)
    info = get_hypervolume_history_info(study, np.asarray(reference_point, dtype=float))
    with style():
        _, ax = titled_axes("Hypervolume History Plot", "Trial", "Hypervolume")
        ax.plot(
            info.trial_numbers, info.values, marker="o", color=plt.get_cmap("tab10")(0), alpha=0.5
        )
    return ax
