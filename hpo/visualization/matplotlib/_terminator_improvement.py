"""Terminator improvement drawn with matplotlib."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._deprecated import experimental_func
from hpo.logging import get_logger
from hpo.terminator.improvement.evaluator import DEFAULT_MIN_N_TRIALS
from hpo.visualization._terminator_improvement import get_improvement_info, y_range
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.terminator import BaseErrorEvaluator, BaseImprovementEvaluator

_logger = get_logger(__name__)

ALPHA = 0.25


@experimental_func("3.2.0")
def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = DEFAULT_MIN_N_TRIALS,
) -> Axes:
    """Plot the room left for improvement after each trial, as the terminator sees it.

    See :func:`hpo.visualization.plot_terminator_improvement`.

    Args:
        study: A single-objective study.
        plot_error: Also plot the error from ``error_evaluator``.
        improvement_evaluator: Evaluates the room for improvement. Defaults to
            :class:`~hpo.terminator.RegretBoundEvaluator`.
        error_evaluator: Evaluates the objective's error. Defaults to
            :class:`~hpo.terminator.CrossValidationErrorEvaluator` (to
            ``StaticErrorEvaluator(constant=0)`` with a
            :class:`~hpo.terminator.BestValueStagnationEvaluator`).
        min_n_trials: Trials before termination is considered; their improvements are drawn in
            a lighter colour and do not set the top of the y axis.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: The study has several objectives.
    """
    plt = pyplot()
    info = get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    n = len(info.trial_numbers)
    with style():
        _, ax = titled_axes("Terminator Improvement Plot", "Trial", "Terminator Improvement")
        cmap = plt.get_cmap("tab10")
        if n == 0:
            _logger.warning("There are no complete trials.")
            return ax
        label = "Terminator Improvement"
        ax.plot(
            info.trial_numbers[: min_n_trials + 1],
            info.improvements[: min_n_trials + 1],
            marker="o",
            color=cmap(0),
            alpha=ALPHA,
            label=label if n <= min_n_trials else None,
        )
        if n > min_n_trials:
            ax.plot(
                info.trial_numbers[min_n_trials:],
                info.improvements[min_n_trials:],
                marker="o",
                color=cmap(0),
                label=label,
            )
        if info.errors is not None:
            ax.plot(info.trial_numbers, info.errors, marker="o", color=cmap(3), label="Error")
        ax.legend()
        ax.set_ylim(y_range(info, min_n_trials))
    return ax
