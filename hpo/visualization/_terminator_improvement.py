"""Terminator improvement: the room left for improvement (and the error) after each trial."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from hpo._deprecated import experimental_func
from hpo.logging import get_logger
from hpo.terminator import (
    BaseErrorEvaluator,
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
)
from hpo.terminator.improvement.evaluator import DEFAULT_MIN_N_TRIALS
from hpo.trial import TrialState
from hpo.visualization._utils import plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study

_logger = get_logger(__name__)

PADDING_RATIO_Y = 0.05
OPACITY = 0.25


class ImprovementInfo(NamedTuple):
    trial_numbers: list[int]
    improvements: list[float]
    errors: list[float] | None


def get_improvement_info(
    study: Study,
    get_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
) -> ImprovementInfo:
    """Improvement (and error) evaluated on the completed trials up to each trial.

    Every trial from the first completed one on gets a point, evaluated on the trials
    completed so far (a failed or pruned trial repeats the previous point).

    Raises:
        ValueError: The study has several objectives.
    """
    if study._is_multi_objective():
        raise ValueError("This function does not support multi-objective optimization study.")
    from tqdm import tqdm

    if improvement_evaluator is None:
        improvement_evaluator = RegretBoundEvaluator()
    if error_evaluator is None:
        if isinstance(improvement_evaluator, BestValueStagnationEvaluator):
            error_evaluator = StaticErrorEvaluator(constant=0)
        else:
            error_evaluator = CrossValidationErrorEvaluator()

    direction = study.direction
    numbers: list[int] = []
    improvements: list[float] = []
    errors: list[float] = []
    completed = []
    for trial in tqdm(study.get_trials(deepcopy=False)):
        if trial.state == TrialState.COMPLETE:
            completed.append(trial)
        if not completed:
            continue
        numbers.append(trial.number)
        improvements.append(improvement_evaluator.evaluate(completed, direction))
        if get_error:
            errors.append(error_evaluator.evaluate(completed, direction))
    return ImprovementInfo(numbers, improvements, errors if errors else None)


def y_range(info: ImprovementInfo, min_n_trials: int) -> tuple[float, float]:
    """Padded y-axis limits; the top ignores the (large) improvements before ``min_n_trials``."""
    errors = info.errors or []
    low = min([*info.improvements, *errors])
    shown = info.improvements[min_n_trials:] if len(info.trial_numbers) > min_n_trials else []
    high = max([*(shown or info.improvements), *errors])
    padding = (high - low) * PADDING_RATIO_Y
    return low - padding, high + padding


def _improvement_scatter(
    go: Any, numbers: list[int], values: list[float], opacity: float, showlegend: bool
) -> Any:
    color = f"rgba(99, 110, 250, {opacity})"  # plotly's first colour
    return go.Scatter(
        x=numbers,
        y=values,
        mode="markers+lines",
        marker={"color": color},
        line={"color": color},
        name="Terminator Improvement",
        showlegend=showlegend,
        legendgroup="improvement",
    )


@experimental_func("3.2.0")
def plot_terminator_improvement(
    study: Study,
    plot_error: bool = False,
    improvement_evaluator: BaseImprovementEvaluator | None = None,
    error_evaluator: BaseErrorEvaluator | None = None,
    min_n_trials: int = DEFAULT_MIN_N_TRIALS,
) -> Figure:
    """Plot the room left for improvement after each trial, as the terminator sees it.

    Helps decide whether to continue a study. The improvement is evaluated anew on the
    completed trials up to each trial (with the default evaluator, one Gaussian-process fit per
    trial, which takes a while on long studies).

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
        A ``plotly.graph_objects.Figure``.

    Raises:
        ValueError: The study has several objectives.

    Example:
        >>> import hpo
        >>> from hpo.terminator import BestValueStagnationEvaluator
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=5)
        >>> fig = hpo.visualization.plot_terminator_improvement(
        ...     study, improvement_evaluator=BestValueStagnationEvaluator()
        ... )
    """
    go = plotly_modules().go
    info = get_improvement_info(study, plot_error, improvement_evaluator, error_evaluator)
    figure = go.Figure(
        layout=go.Layout(
            title="Terminator Improvement Plot",
            xaxis={"title": "Trial"},
            yaxis={"title": "Terminator Improvement"},
        )
    )
    n = len(info.trial_numbers)
    if n == 0:
        _logger.warning("There are no complete trials.")
        return figure
    head = slice(0, min_n_trials + 1)
    figure.add_trace(
        _improvement_scatter(
            go, info.trial_numbers[head], info.improvements[head], OPACITY, n <= min_n_trials
        )
    )
    if n > min_n_trials:
        tail = slice(min_n_trials, None)
        figure.add_trace(
            _improvement_scatter(go, info.trial_numbers[tail], info.improvements[tail], 1.0, True)
        )
    if info.errors is None:
        figure.add_trace(go.Scatter())  # an empty trace, as Optuna's figure has
    else:
        red = "rgb(239, 85, 59)"  # plotly's second colour
        figure.add_trace(
            go.Scatter(
                x=info.trial_numbers,
                y=info.errors,
                mode="markers+lines",
                name="Error",
                marker={"color": red},
                line={"color": red},
            )
        )
    figure.update_yaxes(range=y_range(info, min_n_trials))
    return figure
