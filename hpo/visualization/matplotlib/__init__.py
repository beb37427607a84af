"""The plots of :mod:`hpo.visualization`, drawn with matplotlib (experimental, as in Optuna).

Each ``plot_*`` function returns matplotlib ``Axes`` (an array of them for the grid plots);
matplotlib is imported only when a plot is drawn.

Example:
    >>> import hpo
    >>> study = hpo.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
    >>> ax = hpo.visualization.matplotlib.plot_optimization_history(study)
    >>> ax.figure.savefig("history.png")  # doctest: +SKIP
"""

from hpo.visualization.matplotlib._contour import plot_contour
from hpo.visualization.matplotlib._edf import plot_edf
from hpo.visualization.matplotlib._hypervolume_history import plot_hypervolume_history
from hpo.visualization.matplotlib._intermediate_values import plot_intermediate_values
from hpo.visualization.matplotlib._optimization_history import plot_optimization_history
from hpo.visualization.matplotlib._parallel_coordinate import plot_parallel_coordinate
from hpo.visualization.matplotlib._param_importances import plot_param_importances
from hpo.visualization.matplotlib._pareto_front import plot_pareto_front
from hpo.visualization.matplotlib._rank import plot_rank
from hpo.visualization.matplotlib._slice import plot_slice
from hpo.visualization.matplotlib._terminator_improvement import plot_terminator_improvement
from hpo.visualization.matplotlib._timeline import plot_timeline
from hpo.visualization.matplotlib._utils import is_available

__all__ = [
    "is_available",
    "plot_contour",
    "plot_edf",
    "plot_hypervolume_history",
    "plot_intermediate_values",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importances",
    "plot_pareto_front",
    "plot_rank",
    "plot_slice",
    "plot_terminator_improvement",
    "plot_timeline",
]
