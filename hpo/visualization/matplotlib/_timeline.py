"""Timeline plot drawn with matplotlib."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._deprecated import experimental_func
from hpo.trial import TrialState
from hpo.visualization._timeline import TimelineBar, check_n_recent_trials, get_timeline_bars
from hpo.visualization.matplotlib._utils import pyplot, style, titled_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study

_INFEASIBLE = "INFEASIBLE"
_COLORS = {
    TrialState.COMPLETE.name: "tab:blue",
    TrialState.FAIL.name: "tab:red",
    TrialState.PRUNED.name: "tab:orange",
    _INFEASIBLE: "#CCCCCC",
    TrialState.RUNNING.name: "tab:green",
    TrialState.WAITING.name: "tab:gray",
}


def _kind(bar: TimelineBar) -> str:
    if bar.state == TrialState.COMPLETE and bar.infeasible:
        return _INFEASIBLE
    return bar.state.name


@experimental_func("3.2.0")
def plot_timeline(study: Study, n_recent_trials: int | None = None) -> Axes:
    """Plot each trial as a horizontal bar from its start to its end, coloured by state.

    Args:
        study: The study whose trials are plotted.
        n_recent_trials: Plot only this many of the latest trials.

    Returns:
        A matplotlib ``Axes``.

    Raises:
        ValueError: ``n_recent_trials`` is not positive.

    Example:
        >>> import hpo
        >>> study = hpo.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> ax = hpo.visualization.matplotlib.plot_timeline(study)
        >>> len(ax.patches)
        3
    """
    check_n_recent_trials(n_recent_trials)
    pyplot()  # fails early without matplotlib, before the submodule imports
    import matplotlib.dates
    import matplotlib.patches
    import matplotlib.ticker

    bars = get_timeline_bars(study, n_recent_trials)
    with style():
        fig, ax = titled_axes("Timeline Plot", "Datetime", "Trial")
        if not bars:
            return ax
        ax.barh(
            y=[b.number for b in bars],
            width=[b.complete - b.start for b in bars],
            left=[b.start for b in bars],
            color=[_COLORS[_kind(b)] for b in bars],
        )
        kinds = {_kind(b) for b in bars}
        handles = [
            matplotlib.patches.Patch(color=color, label=name)
            for name, color in _COLORS.items()
            if name in kinds
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.05, 1.0))
        fig.tight_layout()
        first = min(b.start for b in bars)
        last = max(b.complete for b in bars)
        margin = (last - first) * 0.05
        ax.set_xlim(left=first - margin, right=last + margin)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%H:%M:%S"))
        fig.autofmt_xdate()
    return ax
