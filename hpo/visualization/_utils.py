"""Helpers shared by the plot modules (plotly and matplotlib back ends alike).

plotly is imported on first use through :func:`plotly_modules`, never at import time.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import math
import warnings
from collections.abc import Callable, Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.logging import get_logger
from hpo.study import Study
from hpo.study._study_direction import StudyDirection
from hpo.trial import TrialState

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial

__all__ = ["is_available"]

_logger = get_logger(__name__)

Target = Callable[["FrozenTrial"], float]
DEFAULT_TARGET_NAME = "Objective Value"


def _version_at_least(package: str, major: int) -> bool:
    if importlib.util.find_spec(package) is None:
        return False
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    head = version.split(".")[0]
    return head.isdigit() and int(head) >= major


def is_available() -> bool:
    """Whether plotly (version 4 or newer) is installed, so the plotly plots can be drawn.

    Returns:
        ``True`` if :mod:`hpo.visualization` can draw figures; otherwise install plotly with
        ``pip install -U "plotly>=4.0.0"``.

    Example:
        >>> import hpo
        >>> isinstance(hpo.visualization.is_available(), bool)
        True
    """
    return _version_at_least("plotly", 4)


class PlotlyModules(NamedTuple):
    go: Any
    make_subplots: Callable[..., Any]
    colors: Any


def plotly_modules() -> PlotlyModules:
    """``plotly.graph_objects``, ``make_subplots`` and ``plotly.colors``, imported on demand.

    Raises:
        ImportError: plotly 4 or newer is not installed.
    """
    if not is_available():
        raise ImportError(
            "Plotly (version 4.0.0 or newer) is needed for hpo.visualization. "
            'Install it with `pip install -U "plotly>=4.0.0"`.',
            name="plotly",
        )
    import plotly.colors
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    return PlotlyModules(go, make_subplots, plotly.colors)


def color_scale() -> list[str]:
    """The sequential blue colour scale used for trial numbers and objective values."""
    return list(plotly_modules().colors.sequential.Blues)


def as_studies(study: Study | Sequence[Study]) -> list[Study]:
    return [study] if isinstance(study, Study) else list(study)


def check_plot_args(
    study: Study | Sequence[Study], target: Target | None, target_name: str
) -> None:
    """Reject multi-objective studies without ``target``; warn about a default target name."""
    if target is None and any(s._is_multi_objective() for s in as_studies(study)):
        raise ValueError(
            "If the `study` is being used for multi-objective optimization, "
            "please specify the `target`."
        )
    if target is not None and target_name == DEFAULT_TARGET_NAME:
        warnings.warn(
            "`target` is specified, but `target_name` is the default value, 'Objective Value'.",
            stacklevel=3,
        )


def target_or_value(target: Target | None) -> Target:
    if target is not None:
        return target
    return lambda t: t.value  # type: ignore[return-value]


def filter_nonfinite(
    trials: Sequence[FrozenTrial], target: Target | None = None, with_message: bool = True
) -> list[FrozenTrial]:
    """The trials whose target value is a finite number (others are logged and dropped)."""
    get = target_or_value(target)
    kept = []
    for trial in trials:
        raw = get(trial)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            warnings.warn(
                f"Trial{trial.number}'s target value {raw!r} could not be cast to float.",
                stacklevel=2,
            )
            raise
        if math.isfinite(value):
            kept.append(trial)
        elif with_message:
            _logger.warning(
                f"Trial {trial.number} is omitted in visualization "
                "because its objective value is inf or nan."
            )
    return kept


def finite_completed_trials(study: Study, target: Target | None) -> list[FrozenTrial]:
    """The study's completed trials whose target value is finite (see :func:`filter_nonfinite`)."""
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    return filter_nonfinite(trials, target=target)


def require_known_params(params: Iterable[str], present: Container[str]) -> None:
    """Raise ``ValueError`` for the first name in ``params`` that is not in ``present``."""
    for name in params:
        if name not in present:
            raise ValueError(f"Parameter {name} does not exist in your study.")


def sorted_params(trials: Sequence[FrozenTrial], params: list[str] | None) -> list[str]:
    """The distinct names of ``params`` (default: every parameter of ``trials``), sorted.

    Raises:
        ValueError: A name in ``params`` is not a parameter of any of ``trials``.
    """
    present = {name for t in trials for name in t.params}
    if params is None:
        return sorted(present)
    require_known_params(params, present)
    return sorted(set(params))


def is_feasible(trial: FrozenTrial) -> bool:
    """No constraint value of the trial is positive (trials without constraints are feasible)."""
    return all(v <= 0.0 for v in trial.constraints.values())


def is_log_scale(trials: Sequence[FrozenTrial], param: str) -> bool:
    """Whether the first trial with ``param`` suggested it on a log scale."""
    for trial in trials:
        if param in trial.params:
            dist = trial.distributions[param]
            return isinstance(dist, (FloatDistribution, IntDistribution)) and dist.log
    return False


def is_numerical(trials: Sequence[FrozenTrial], param: str) -> bool:
    """Whether ``param`` has numeric values (numeric distribution or numbers-only choices)."""
    for trial in trials:
        if param not in trial.params:
            continue
        dist = trial.distributions[param]
        if isinstance(dist, CategoricalDistribution):
            return all(
                isinstance(c, (int, float)) and not isinstance(c, bool) for c in dist.choices
            )
        return True
    return True


def is_reverse_scale(study: Study, target: Target | None) -> bool:
    """Colour scales run dark-is-good: reversed unless maximising the objective itself."""
    return target is not None or study.direction == StudyDirection.MINIMIZE


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
    except TypeError:
        return str(value)
    return value


def make_hovertext(trial: FrozenTrial) -> str:
    """Number, values, params (and user attributes) of a trial as HTML-broken JSON."""
    payload: dict[str, Any] = {
        "number": trial.number,
        "values": trial.values,
        "params": {k: _json_safe(v) for k, v in trial.params.items()},
    }
    if trial.user_attrs:
        payload["user_attrs"] = {k: _json_safe(v) for k, v in trial.user_attrs.items()}
    return json.dumps(payload, indent=2).replace("\n", "<br>")


PADDING_RATIO = 0.05


class AxisInfo(NamedTuple):
    """How one parameter maps onto a plot axis (shared by the contour and rank plots)."""

    name: str
    range: tuple[float, float]
    is_log: bool
    is_cat: bool
    indices: list[Any]
    values: list[Any]


def padded_range(values: Sequence[Any], scale: str | None) -> tuple[float, float]:
    """Axis limits around ``values`` with ``PADDING_RATIO`` of their span added on both sides.

    ``scale`` is ``"log"`` (padding in log10 units), ``"categorical"`` (one unit per distinct
    value, starting at 0) or ``None`` (linear).
    """
    if scale == "categorical":
        span = len(set(values)) - 1
        return -span * PADDING_RATIO, span * (1 + PADDING_RATIO)
    low, high = float(min(values)), float(max(values))
    if scale == "log":
        lo, hi = math.log10(low), math.log10(high)
        pad = (hi - lo) * PADDING_RATIO
        return 10 ** (lo - pad), 10 ** (hi + pad)
    pad = (high - low) * PADDING_RATIO
    return low - pad, high + pad


def axis_info(trials: Sequence[FrozenTrial], param: str) -> AxisInfo:
    """Padded range, scale, sorted distinct values and per-trial values of ``param``.

    Categorical values are turned into strings; trials without ``param`` get ``None``.
    Numeric axes get the padded range ends added to their distinct values (``indices``), so a
    contour spans the whole range.
    """
    numerical = is_numerical(trials, param)
    values: list[Any]
    if numerical:
        values = [t.params.get(param) for t in trials]
    else:
        values = [str(t.params[param]) if param in t.params else None for t in trials]
    present = [v for v in values if v is not None]
    is_log = is_log_scale(trials, param)
    scale = "log" if is_log else None if numerical else "categorical"
    low, high = padded_range(present, scale)
    indices: list[Any] = sorted(set(present))
    if numerical and len(indices) >= 2:
        indices = [low, *indices, high]
    return AxisInfo(param, (low, high), is_log, not numerical, indices, values)


def axis_settings(axis: AxisInfo) -> dict[str, Any]:
    """plotly axis properties (range and type) of a parameter axis."""
    if axis.is_log:
        return {"range": [math.log10(p) for p in axis.range], "type": "log"}
    if axis.is_cat:
        return {"range": list(axis.range), "type": "category"}
    return {"range": list(axis.range)}


def set_pair_axes(
    figure: Any,
    xaxis: AxisInfo,
    yaxis: AxisInfo,
    x_title: str | None = None,
    y_title: str | None = None,
    **cell: int,
) -> None:
    """Range, type and (where given) title of both axes of a parameter-pair panel.

    ``cell`` is the ``row`` and ``col`` of the panel in a subplot grid; empty for a lone panel.
    """
    x_extra = {} if x_title is None else {"title_text": x_title}
    y_extra = {} if y_title is None else {"title_text": y_title}
    figure.update_xaxes(**x_extra, **cell, **axis_settings(xaxis))
    figure.update_yaxes(**y_extra, **cell, **axis_settings(yaxis))


class PairPanel(NamedTuple):
    x_index: int
    y_index: int
    row: int
    col: int


def pair_grid(names: Sequence[str]) -> list[PairPanel]:
    """The panels of the ``n x n`` grid of parameter pairs, column by column."""
    n = len(names)
    return [PairPanel(xi, yi, yi + 1, xi + 1) for xi in range(n) for yi in range(n)]


def set_pair_grid_axes(figure: Any, names: Sequence[str], axes: Sequence[Sequence[Any]]) -> None:
    """Axes of every panel of a pair grid; titles on the left column and the bottom row.

    ``axes[y][x]`` is the panel info (with ``xaxis`` and ``yaxis``) of ``names[x]`` against
    ``names[y]``.
    """
    last = len(names) - 1
    for p in pair_grid(names):
        sub = axes[p.y_index][p.x_index]
        set_pair_axes(
            figure,
            sub.xaxis,
            sub.yaxis,
            x_title=names[p.x_index] if p.y_index == last else None,
            y_title=names[p.y_index] if p.x_index == 0 else None,
            row=p.row,
            col=p.col,
        )
