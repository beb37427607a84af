"""Contour plot drawn with matplotlib: values interpolated smoothly between the trials."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo._deprecated import experimental_func
from hpo.visualization._contour import SubContourInfo, get_contour_info, trial_points
from hpo.visualization._utils import AxisInfo
from hpo.visualization.matplotlib._utils import pair_subplots, pyplot, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from hpo.study import Study
    from hpo.trial import FrozenTrial

GRID_SIZE = 100


@experimental_func("2.2.0")
def plot_contour(
    study: Study,
    params: list[str] | None = None,
    *,
    target: Callable[[FrozenTrial], float] | None = None,
    target_name: str = "Objective Value",
) -> Axes | np.ndarray:
    """Plot the objective value as a filled contour over each pair of parameters.

    Between the trials the surface is the smoothest (harmonic) interpolation of their values
    on a 100 x 100 grid. Needs scipy.

    Args:
        study: The study whose completed trials are plotted.
        params: Parameters to plot; all by default. At least two are needed for a contour.
        target: Maps a trial to the value to plot. Required for multi-objective studies.
        target_name: Name of the target on the colour bar.

    Returns:
        One matplotlib ``Axes`` for two parameters (or fewer), else an ``n x n`` array of
        ``Axes`` indexed ``[y parameter, x parameter]``.

    Raises:
        ValueError: ``target`` is missing for a multi-objective study, or an unknown
            parameter is requested.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     return trial.suggest_float("x", -1, 1) ** 2 + trial.suggest_float("y", -1, 1)
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=10)
        >>> ax = hpo.visualization.matplotlib.plot_contour(study)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('x', 'y')
    """
    plt = pyplot()
    info = get_contour_info(study, params, target, target_name)
    names = info.sorted_params
    if len(names) <= 1:
        _, ax = plt.subplots()
        return ax
    cmap = plt.get_cmap("Blues_r" if info.reverse_scale else "Blues")
    with style():
        fig, axs = pair_subplots(len(names), "Contour Plot")
        if len(names) == 2:
            filled = [_draw(axs, info.sub_plot_infos[0][0], cmap)]
        else:
            filled = [
                _draw(axs[yi, xi], info.sub_plot_infos[yi][xi], cmap)
                for xi in range(len(names))
                for yi in range(len(names))
            ]
        drawn = [f for f in filled if f is not None]
        if drawn:
            colorbar = fig.colorbar(drawn[0], ax=axs)
            colorbar.set_label(info.target_name)
    return axs


def _grid(axis: AxisInfo) -> np.ndarray:
    if axis.is_log:
        return np.logspace(np.log10(axis.range[0]), np.log10(axis.range[1]), GRID_SIZE)
    return np.linspace(axis.range[0], axis.range[1], GRID_SIZE)


def _positions(axis: AxisInfo, values: Sequence[Any]) -> np.ndarray:
    """Plot coordinates: category index for categorical axes, the value otherwise."""
    if axis.is_cat:
        index = {label: i for i, label in enumerate(axis.indices)}
        return np.array([index[str(v)] for v in values], dtype=float)
    return np.array([float(v) for v in values])


def _draw(ax: Any, info: SubContourInfo, cmap: Any) -> Any:
    ax.label_outer()
    xaxis, yaxis = info.xaxis, info.yaxis
    if len(xaxis.indices) < 2 or len(yaxis.indices) < 2:
        return None
    ax.set(xlabel=xaxis.name, ylabel=yaxis.name)
    ax.set_xlim(*xaxis.range)
    ax.set_ylim(*yaxis.range)
    for axis, set_ticks, set_labels, set_scale in (
        (xaxis, ax.set_xticks, ax.set_xticklabels, ax.set_xscale),
        (yaxis, ax.set_yticks, ax.set_yticklabels, ax.set_yscale),
    ):
        if axis.is_cat:
            labels = list(axis.indices)
            set_ticks(list(range(len(labels))))
            set_labels(labels)
        else:
            set_scale("log" if axis.is_log else "linear")
    if xaxis.name == yaxis.name or not info.z_values:
        return None
    xi, yi = _grid(xaxis), _grid(yaxis)
    xs, ys, zs = [], [], []
    for (x_index, y_index), z in info.z_values.items():
        xs.append(xaxis.indices[x_index])
        ys.append(yaxis.indices[y_index])
        zs.append(z)
    surface = _harmonic_surface(
        _nearest(xi, _positions(xaxis, xs), xaxis.is_log),
        _nearest(yi, _positions(yaxis, ys), yaxis.is_log),
        np.asarray(zs, dtype=float),
    )
    ax.contour(xi, yi, surface, 15, linewidths=0.5, colors="k")
    filled = ax.contourf(xi, yi, surface, 15, cmap=cmap)
    fx, fy, ix, iy = trial_points(info)
    for px, py, color in ((fx, fy, "black"), (ix, iy, "#cccccc")):
        ax.scatter(
            _positions(xaxis, px),
            _positions(yaxis, py),
            marker="o",
            c=color,
            s=20,
            edgecolors="grey",
            linewidth=2.0,
        )
    return filled


def _nearest(grid: np.ndarray, values: np.ndarray, log: bool) -> np.ndarray:
    if log:
        grid, values = np.log10(grid), np.log10(values)
    return np.abs(grid[None, :] - values[:, None]).argmin(axis=1)


def _harmonic_surface(cols: np.ndarray, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values on the grid: fixed at the trials' cells, discrete Laplace equation elsewhere."""
    import scipy.sparse
    import scipy.sparse.linalg

    n = GRID_SIZE
    known = np.zeros(n * n, dtype=bool)
    rhs = np.zeros(n * n)
    cells = rows * n + cols
    sums = np.zeros(n * n)
    counts = np.zeros(n * n)
    np.add.at(sums, cells, values)
    np.add.at(counts, cells, 1.0)
    known[counts > 0] = True
    rhs[known] = sums[known] / counts[known]

    row_idx, col_idx, data = (
        [np.flatnonzero(known)],
        [np.flatnonzero(known)],
        [np.ones(known.sum())],
    )
    grid_y, grid_x = np.divmod(np.arange(n * n), n)
    free = ~known
    degree = np.zeros(n * n)
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = grid_y + dy, grid_x + dx
        inside = free & (ny >= 0) & (ny < n) & (nx >= 0) & (nx < n)
        src = np.flatnonzero(inside)
        row_idx.append(src)
        col_idx.append(ny[inside] * n + nx[inside])
        data.append(-np.ones(src.size))
        degree[src] += 1.0
    free_idx = np.flatnonzero(free)
    row_idx.append(free_idx)
    col_idx.append(free_idx)
    data.append(degree[free_idx])
    matrix = scipy.sparse.csc_matrix(
        (np.concatenate(data), (np.concatenate(row_idx), np.concatenate(col_idx))),
        shape=(n * n, n * n),
    )
    return scipy.sparse.linalg.spsolve(matrix, rhs).reshape(n, n)
