"""Intermediate values drawn with matplotlib."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._deprecated import experimental_func
from hpo.visualization._intermediate_values import get_curves
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study


@experimental_func("2.2.0")
def plot_intermediate_values(study: Study) -> Axes:
    """Plot the intermediate values every trial reported, one line per trial.

    Args:
        study: The study whose trials' intermediate values are plotted.

    Returns:
        A matplotlib ``Axes`` with one line per trial that reported values.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(3):
        ...         trial.report(x / (step + 1), step)
        ...     return x
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=4)
        >>> len(hpo.visualization.matplotlib.plot_intermediate_values(study).get_lines())
        4
    """
    plt = pyplot()
    curves = get_curves(study)
    with style():
        _, ax = titled_axes(
            "Intermediate Values Plot", "Step", "Intermediate Value", tight_layout=True
        )
        cmap = plt.get_cmap("tab20")
        for i, curve in enumerate(curves):
            ax.plot(
                curve.steps,
                curve.values,
                color=cmap(i) if curve.feasible else "#CCCCCC",
                marker=".",
                alpha=0.7,
                label=f"Trial{curve.trial_number}",
            )
        if len(curves) >= 2:
            ax.legend(bbox_to_anchor=(1.05, 1), loc="upper left", borderaxespad=0.0)
    return ax
