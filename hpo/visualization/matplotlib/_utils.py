"""matplotlib imports (on first use) and helpers shared by the matplotlib plots."""

from __future__ import annotations

from typing import Any

from hpo._deprecated import experimental_func
from hpo.visualization._utils import _version_at_least

__all__ = ["is_available"]


@experimental_func("2.2.0")
def is_available() -> bool:
    """Whether matplotlib (version 3 or newer) is installed, so these plots can be drawn.

    Returns:
        ``True`` if :mod:`hpo.visualization.matplotlib` can draw; otherwise install it with
        ``pip install -U "matplotlib>=3.0.0"``.

    Example:
        >>> import hpo
        >>> isinstance(hpo.visualization.matplotlib.is_available(), bool)
        True
    """
    return _version_at_least("matplotlib", 3)


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported on demand.

    Raises:
        ImportError: matplotlib 3 or newer is not installed.
    """
    if not _version_at_least("matplotlib", 3):
        raise ImportError(
            "Matplotlib (version 3.0.0 or newer) is needed for hpo.visualization.matplotlib. "
            'Install it with `pip install -U "matplotlib>=3.0.0"`.',
            name="matplotlib",
        )
    import matplotlib.pyplot as plt

    return plt


def style() -> Any:
    """A context manager applying the plots' style without changing global settings."""
    return pyplot().style.context("ggplot")


def titled_axes(title: str, xlabel: str, ylabel: str, **subplots_kwargs: Any) -> tuple[Any, Any]:
    """A new figure with one ``Axes`` carrying ``title`` and the axis labels.

    Call it inside :func:`style` so the style applies to the figure.
    """
    fig, ax = pyplot().subplots(**subplots_kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig, ax


def pair_subplots(n_params: int, title: str) -> tuple[Any, Any]:
    """One titled ``Axes`` for up to two parameters, else an ``n x n`` grid under ``title``."""
    plt = pyplot()
    if n_params <= 2:
        fig, ax = plt.subplots()
        ax.set_title(title)
        return fig, ax
    fig, axs = plt.subplots(n_params, n_params)
    fig.suptitle(title)
    return fig, axs
