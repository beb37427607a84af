from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from hpo.distributions import BaseDistribution
from hpo.samplers._base import BaseSampler
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

GridValueType = Union[str, float, int, bool, None]

_GRID_ID_KEY = "grid_id"
_SEARCH_SPACE_KEY = "search_space"


class GridSampler(BaseSampler):
    """Evaluates every combination of the given parameter values, then stops the study.

    Workers sharing a study pick unvisited grid points at random, so they rarely collide. When
    every point is taken the study stops itself.

    Args:
        search_space: Parameter name -> the values to try.
        seed: Seed for the choice among unvisited points.

    Example:
        >>> import hpo
        >>> sampler = hpo.samplers.GridSampler({"x": [-1, 0, 1], "y": [0, 1]})
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) + t.suggest_int("y", 0, 1))
        >>> len(study.trials)
        6

    Raises:
        ValueError: A parameter has no values.
    """

    def __init__(
        self, search_space: Mapping[str, Sequence[GridValueType]], seed: int | None = None
    ) -> None:
        for name, values in search_space.items():
            if len(values) == 0:
                raise ValueError(f"GridSampler needs at least one value for {name!r}.")
            for value in values:
                if value is not None and not isinstance(value, (str, bool, Real)):
                    warnings.warn(
                        f"GridSampler values should be None, bool, int, float or str so they can "
                        f"be stored, but {name!r} has {value!r} ({type(value).__name__}).",
                        stacklevel=2,
                    )
        self._search_space = {name: list(values) for name, values in sorted(search_space.items())}
        self._param_names = list(self._search_space)
        self._all_grids = list(itertools.product(*self._search_space.values()))
        self._n_min_trials = len(self._all_grids)
        self._seed = seed
        self._rng = np.random.RandomState(seed)

    def reseed_rng(self) -> None:
        self._rng.seed()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if _GRID_ID_KEY in trial.system_attrs or "fixed_params" in trial.system_attrs:
            return
        candidates = (
            self._unvisited_grid_ids(study, include_running=True)
            or self._unvisited_grid_ids(study, include_running=False)
            or list(range(len(self._all_grids)))
        )
        grid_id = int(self._rng.choice(candidates))
        study._storage.set_trial_system_attr(
            trial._trial_id, _SEARCH_SPACE_KEY, self._search_space
        )
        study._storage.set_trial_system_attr(trial._trial_id, _GRID_ID_KEY, grid_id)
        trial.system_attrs[_SEARCH_SPACE_KEY] = self._search_space
        trial.system_attrs[_GRID_ID_KEY] = grid_id

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if _GRID_ID_KEY not in trial.system_attrs:
            raise ValueError(
                "GridSampler cannot sample this trial: it has no grid point (was it enqueued "
                "without all grid parameters?)."
            )
        if param_name not in self._search_space:
            raise ValueError(
                f"The parameter {param_name!r} is not in GridSampler's search space "
                f"{self._param_names}. Add it to the grid."
            )
        grid_id = trial.system_attrs[_GRID_ID_KEY]
        value = self._all_grids[grid_id][self._param_names.index(param_name)]
        if not param_distribution._contains(param_distribution.to_internal_repr(value)):
            warnings.warn(
                f"The grid value {value!r} of {param_name!r} is outside {param_distribution}.",
                stacklevel=2,
            )
        return value

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        remaining = set(self._unvisited_grid_ids(study, include_running=False))
        remaining.discard(trial.system_attrs.get(_GRID_ID_KEY, -1))
        if not remaining:
            study.stop()

    def is_exhausted(self, study: Study) -> bool:
        """Return whether every grid point has been evaluated."""
        return not self._unvisited_grid_ids(study, include_running=False)

    def _unvisited_grid_ids(self, study: Study, include_running: bool) -> list[int]:
        """Grid points not taken by a finished trial (``include_running``: nor a running one)."""
        taken: set[int] = set()
        for t in study._get_trials(deepcopy=False, use_cache=False):
            if _GRID_ID_KEY not in t.system_attrs or not self._same_space(t):
                continue
            if t.state.is_finished() or (include_running and t.state is TrialState.RUNNING):
                taken.add(t.system_attrs[_GRID_ID_KEY])
        return [i for i in range(len(self._all_grids)) if i not in taken]

    def _same_space(self, trial: FrozenTrial) -> bool:
        space = trial.system_attrs.get(_SEARCH_SPACE_KEY)
        return space is None or space == self._search_space
