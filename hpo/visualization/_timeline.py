"""Timeline plot: when each trial started and finished, coloured by its state."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from hpo.logging import get_logger
from hpo.trial import TrialState
from hpo.visualization._utils import make_hovertext, plotly_modules

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)

_SMALL_BAR = datetime.timedelta(seconds=1)
STATE_COLORS = {
    "COMPLETE": "blue",
    "FAIL": "red",
    "PRUNED": "orange",
    "RUNNING": "green",
    "WAITING": "gray",
}


class TimelineBar(NamedTuple):
    number: int
    start: datetime.datetime
    complete: datetime.datetime
    state: TrialState
    hovertext: str
    infeasible: bool


def _latest_end(trials: list[FrozenTrial]) -> datetime.datetime:
    """The right end of the timeline: now while trials still run, else the last completion."""
    durations = [
        t.datetime_complete - t.datetime_start
        for t in trials
        if t.datetime_complete is not None and t.datetime_start is not None
    ]
    longest = max(durations, default=None)
    now = datetime.datetime.now()
    running = [t for t in trials if t.state == TrialState.RUNNING]
    if longest is None:
        still_running = bool(running)
    else:
        # A running trial that started long ago (5x the longest run) is probably dead.
        still_running = any(
            now - t.datetime_start < 5 * longest for t in running if t.datetime_start is not None
        )
    if still_running:
        return now
    return max((t.datetime_complete for t in trials if t.datetime_complete), default=now)


def get_timeline_bars(study: Study, n_recent_trials: int | None = None) -> list[TimelineBar]:
    """One bar per trial (the last ``n_recent_trials`` only, if given)."""
    trials = study.get_trials(deepcopy=False)
    end = _latest_end(trials)
    if n_recent_trials is not None:
        trials = trials[-n_recent_trials:]
    bars = []
    for trial in trials:
        start = trial.datetime_start or end
        if trial.state == TrialState.RUNNING:
            complete = end + _SMALL_BAR
        else:
            complete = trial.datetime_complete or start + _SMALL_BAR
        if complete < start:
            _logger.warning(
                f"The start and end times for Trial {trial.number} seem to be reversed. "
                f"The start time is {start} and the end time is {complete}."
            )
        infeasible = any(v > 0 for v in trial.constraints.values())
        bars.append(
            TimelineBar(
                trial.number, start, complete, trial.state, make_hovertext(trial), infeasible
            )
        )
    if not bars:
        _logger.warning("Your study does not have any trials.")
    return bars


def check_n_recent_trials(n_recent_trials: int | None) -> None:
    if n_recent_trials is not None and n_recent_trials <= 0:
        raise ValueError("n_recent_trials must be a positive integer or None.")


def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Figure:
    """Plot each trial as a horizontal bar from its start to its end, coloured by state.

    Complete trials that violate a constraint are grey ("INFEASIBLE"); running trials extend to
    now.

    Args:
        study: The study whose trials are plotted.
        n_recent_trials: Plot only this many of the latest trials.

    Returns:
        A ``plotly.graph_objects.Figure`` with one ``Bar`` trace per state present.

    Raises:
        ValueError: ``n_recent_trials`` is not positive.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> [trace.name for trace in hpo.visualization.plot_timeline(study).data]
        ['COMPLETE']
    """
    check_n_recent_trials(n_recent_trials)
    go = plotly_modules().go
    bars = get_timeline_bars(study, n_recent_trials)
    figure = go.Figure()
    for state in sorted(TrialState, key=lambda s: s.name):
        group = [b for b in bars if b.state == state]
        if state == TrialState.COMPLETE:
            _add_bars(figure, [b for b in group if b.infeasible], "#cccccc", "INFEASIBLE")
            _add_bars(figure, [b for b in group if not b.infeasible], "blue", state.name)
        else:
            _add_bars(figure, group, STATE_COLORS[state.name], state.name)
    figure.update_xaxes(type="date")
    figure.update_layout(
        go.Layout(title="Timeline Plot", xaxis={"title": "Datetime"}, yaxis={"title": "Trial"})
    )
    figure.update_layout(showlegend=True)
    return figure


def _add_bars(figure: Any, bars: list[TimelineBar], color: str, name: str) -> None:
    if not bars:
        return
    go = plotly_modules().go
    figure.add_trace(
        go.Bar(
            name=name,
            x=[(b.complete - b.start).total_seconds() * 1000 for b in bars],
            y=[b.number for b in bars],
            base=[b.start.isoformat() for b in bars],
            text=[b.hovertext for b in bars],
            hovertemplate="%{text}<extra>" + name + "</extra>",
            orientation="h",
            marker={"color": color},
            textposition="none",
        )
    )
