"""Plots of a study's history, parameters and objectives, drawn with plotly.

Every ``plot_*`` function returns a ``plotly.graph_objects.Figure``; plotly is imported only
when a plot is drawn. :mod:`hpo.visualization.matplotlib` has the same functions returning
matplotlib ``Axes``.

Example:
    >>> import hpo
    >>> study = hpo.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=10)
    >>> fig = hpo.visualization.plot_optimization_history(study)
    >>> fig.write_html("history.html")  # doctest: +SKIP
"""

from hpo.visualization import matplotlib
from hpo.visualization._contour import plot_contour
from hpo.visualization._edf import plot_edf
from hpo.visualization._hypervolume_history import plot_hypervolume_history
from hpo.visualization._intermediate_values import plot_intermediate_values
from hpo.visualization._optimization_history import plot_optimization_history
from hpo.visualization._parallel_coordinate import plot_parallel_coordinate
from hpo.visualization._param_importances import plot_param_importances
from hpo.visualization._pareto_front import plot_pareto_front
from hpo.visualization._rank import plot_rank
from hpo.visualization._slice import plot_slice
from hpo.visualization._terminator_improvement import plot_terminator_improvement
from hpo.visualization._timeline import plot_timeline
from hpo.visualization._utils import is_available

__all__ = [
    "is_available",
    "matplotlib",
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
