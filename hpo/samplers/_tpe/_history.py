"""Per-study numpy arrays of finished trials, appended incrementally.

The arrays are derived data only: storage stays the source of truth. They are refreshed from the
study's per-trial read cache (``study._get_trials(use_cache=True)``: one storage read per
trial). Trials come ordered by number, new ones are appended and a finished trial stays
finished, so an update only looks at the trials that were unfinished last time and at the new
ones: in a sequential run, just the trial being sampled. Anything that contradicts what was
seen (a shorter list, another trial at a remembered position) triggers a rebuild.
"""

from __future__ import annotations

import itertools
import math
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import _constraints
from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.study._study_direction import StudyDirection
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


class TrialHistory:
    """Finished (COMPLETE and PRUNED) trials of one study as arrays, in the order seen.

    Attributes (first ``n`` rows valid):
        numbers: trial numbers.
        pruned: whether the trial was pruned.
        losses: objective values turned into minimisation (NaN for pruned trials).
        violation: sum of positive constraint values (0 for feasible trials).
        pruned_key: ``(-last_step, last intermediate loss)`` ranking pruned trials, best first.
        params: ``(n, n_columns)`` internal values, NaN where a trial lacks the parameter.
        running: the RUNNING trials seen by the last :meth:`update`.
        generation: increases whenever the arrays are rebuilt from scratch.
    """

    def __init__(self, storage: Any, study_id: int, directions: list[StudyDirection]) -> None:
        try:
            self._storage_ref: Any = weakref.ref(storage)
        except TypeError:
            self._storage_ref = lambda: storage
        self.study_id = study_id
        self.directions = list(directions)
        self._signs = np.array([-1.0 if d is StudyDirection.MAXIMIZE else 1.0 for d in directions])
        self.version = 0
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        cap = 64
        self.n = 0
        self._ids: set[int] = set()
        self._seen = 0  # length of the trial list last read
        self._last_id: int | None = None  # id of its last trial
        self._last_read: list[FrozenTrial] | None = None
        self._pending: list[tuple[int, int]] = []  # (position, id) of unfinished trials
        self.running: list[FrozenTrial] = []
        self.numbers = np.zeros(cap, dtype=np.int64)
        self.pruned = np.zeros(cap, dtype=bool)
        self.losses = np.zeros((cap, len(self.directions)))
        self.violation = np.zeros(cap)
        self.pruned_key = np.zeros((cap, 2))
        self.columns: dict[str, int] = {}
        self.column_dists: list[list[BaseDistribution]] = []
        self.params = np.zeros((cap, 0))
        self.dist_codes = np.zeros((cap, 0), dtype=np.int16)
        self.counts = np.zeros(0, dtype=np.int64)
        self._order: np.ndarray | None = None
        self._numbers_sorted = True
        self.version += 1
        self.generation += 1

    def matches(self, study: Study) -> bool:
        return self._storage_ref() is study._storage and self.study_id == study._study_id

    def order(self) -> np.ndarray:
        """Row indices sorted by trial number."""
        if self._order is None or len(self._order) != self.n:
            if self._numbers_sorted:
                self._order = np.arange(self.n)
            else:
                self._order = np.argsort(self.numbers[: self.n], kind="stable")
        return self._order

    def update(self, study: Study) -> None:
        """Bring the arrays up to date with the study (read through its per-trial cache)."""
        trials = study._get_trials(deepcopy=False, use_cache=True)
        if trials is self._last_read and len(trials) == self._seen:
            return  # the same per-trial read as last time
        seen = self._seen
        if seen > len(trials) or (seen and trials[seen - 1]._trial_id != self._last_id):
            self._reset()
            seen = 0
        new: list[FrozenTrial] = []
        pending: list[tuple[int, int]] = []
        running: list[FrozenTrial] = []
        ids = self._ids
        positions = [i for i, _ in self._pending]
        if any(trials[i]._trial_id != trial_id for i, trial_id in self._pending):
            self._reset()
            seen, positions = 0, []
        for i in itertools.chain(positions, range(seen, len(trials))):
            trial = trials[i]
            state = trial.state
            if state is TrialState.COMPLETE or state is TrialState.PRUNED:
                if trial._trial_id not in ids:
                    new.append(trial)
            elif state is not TrialState.FAIL:
                pending.append((i, trial._trial_id))
                if state is TrialState.RUNNING:
                    running.append(trial)
        self._pending = pending
        self._seen = len(trials)
        self._last_id = trials[-1]._trial_id if trials else None
        self._last_read = trials
        self.running = running
        self._append(new)

    def _grow(self, rows: int, cols: int) -> None:
        cap, ncol = self.params.shape
        if rows > len(self.numbers):
            new_cap = max(rows, 2 * len(self.numbers))
            for name in ("numbers", "pruned", "violation"):
                old = getattr(self, name)
                arr = np.zeros(new_cap, dtype=old.dtype)
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            for name in ("losses", "pruned_key"):
                old = getattr(self, name)
                arr = np.zeros((new_cap, old.shape[1]))
                arr[: self.n] = old[: self.n]
                setattr(self, name, arr)
            cap = new_cap
        else:
            cap = len(self.numbers)
        if cap != self.params.shape[0] or cols > ncol:
            new_cols = max(cols, ncol)
            params = np.full((cap, new_cols), np.nan)
            params[: self.n, :ncol] = self.params[: self.n]
            codes = np.full((cap, new_cols), -1, dtype=np.int16)
            codes[: self.n, :ncol] = self.dist_codes[: self.n]
            self.params, self.dist_codes = params, codes
            counts = np.zeros(new_cols, dtype=np.int64)
            counts[:ncol] = self.counts
            self.counts = counts

    def _append(self, trials: list[FrozenTrial]) -> None:
        if not trials:
            return
        for trial in trials:
            for name in trial._distributions:
                if name not in self.columns:
                    self.columns[name] = len(self.columns)
                    self.column_dists.append([])
        self._grow(self.n + len(trials), len(self.columns))
        first_direction = self.directions[0]
        last_number = int(self.numbers[self.n - 1]) if self.n else -1
        for trial in trials:
            i = self.n
            self._ids.add(trial._trial_id)
            number = trial._number
            self.numbers[i] = number
            if number < last_number:
                self._numbers_sorted = False
            last_number = number
            is_pruned = trial.state is TrialState.PRUNED
            self.pruned[i] = is_pruned
            if is_pruned or trial._values is None:
                self.losses[i] = np.nan
            elif len(self._signs) == 1:
                self.losses[i, 0] = trial._values[0] * self._signs[0]
            else:
                self.losses[i] = np.asarray(trial._values, dtype=float) * self._signs
            self.violation[i] = _violation(trial)
            self.pruned_key[i] = _pruned_key(trial, first_direction)
            for name, dist in trial._distributions.items():
                j = self.columns[name]
                dists = self.column_dists[j]
                if dists and dists[0] == dist:
                    code = 0
                else:
                    try:
                        code = dists.index(dist)
                    except ValueError:
                        code = len(dists)
                        dists.append(dist)
                self.params[i, j] = dist.to_internal_repr(trial._params[name])
                self.dist_codes[i, j] = code
                self.counts[j] += 1
            self.n += 1
        self._order = None
        self.version += 1

    def intersection_space(self) -> dict[str, BaseDistribution]:
        """Parameters every finished trial has, with one and the same distribution."""
        if self.n == 0:
            return {}
        space = {
            name: self.column_dists[j][0]
            for name, j in self.columns.items()
            if self.counts[j] == self.n and len(self.column_dists[j]) == 1
        }
        return dict(sorted(space.items()))

    def complete_column(self, name: str, distribution: BaseDistribution) -> bool:
        """Whether every row has ``name``, all under ``distribution`` (so no NaN values)."""
        j = self.columns.get(name)
        if j is None:
            return self.n == 0
        dists = self.column_dists[j]
        return bool(self.counts[j] == self.n) and len(dists) == 1 and dists[0] == distribution

    def column_values(self, name: str, distribution: BaseDistribution) -> np.ndarray:
        """Internal values of ``name`` under ``distribution`` for all rows (NaN if unusable)."""
        j = self.columns.get(name)
        if j is None:
            return np.full(self.n, np.nan)
        dists = self.column_dists[j]
        values = self.params[: self.n, j]
        if len(dists) == 1 and dists[0] == distribution:
            return values
        codes = self.dist_codes[: self.n, j]
        out = np.full(self.n, np.nan)
        for code, dist in enumerate(dists):
            rows = codes == code
            if dist == distribution:
                out[rows] = values[rows]
            else:
                out[rows] = [convert(dist, v, distribution) for v in values[rows]]
        return out


def convert(source: BaseDistribution, internal: float, target: BaseDistribution) -> float:
    """Re-express an internal value of ``source`` under ``target`` (NaN if it does not fit)."""
    if isinstance(source, CategoricalDistribution) != isinstance(target, CategoricalDistribution):
        return math.nan
    try:
        value = target.to_internal_repr(source.to_external_repr(internal))
    except (ValueError, IndexError, TypeError):
        return math.nan
    return value if target._contains(value) else math.nan


def _violation(trial: FrozenTrial) -> float:
    attrs = trial._system_attrs
    if not attrs:
        return 0.0
    constraints = _constraints.constraints_from_system_attrs(attrs)
    return float(sum(v for v in constraints.values() if v > 0))


def _pruned_key(trial: FrozenTrial, direction: StudyDirection) -> tuple[float, float]:
    if trial.state is not TrialState.PRUNED:
        return (0.0, 0.0)
    if not trial.intermediate_values:
        return (1.0, 0.0)
    step, value = max(trial.intermediate_values.items())
    if math.isnan(value):
        return (-float(step), math.inf)
    return (-float(step), value if direction is StudyDirection.MINIMIZE else -value)
