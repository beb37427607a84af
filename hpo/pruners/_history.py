"""Per-study caches of data pruners derive from finished trials.

Finished trials never change, so what a pruner derives from them (per-step intermediate values,
rung values, estimated resources) can be kept between calls and extended when more trials
finish. The storage stays the source of truth: every call asks it how many trials have finished
(one cheap count) and reads the trials only when that count changed. Entries are keyed by the
storage object (weakly) and the study id, so studies and storages never share an entry.
"""

from __future__ import annotations

import bisect
import datetime
import math
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.storages import BaseStorage
    from hpo.trial import FrozenTrial

_COMPLETE = (TrialState.COMPLETE,)
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
_UNFINISHED = (TrialState.RUNNING, TrialState.WAITING)
RUNG_KEY_PREFIX = "completed_rung_"
_NO_TIME = datetime.datetime.max


_RUNG_KEYS = tuple(f"{RUNG_KEY_PREFIX}{rung}" for rung in range(64))


def rung_key(rung: int) -> str:
    """The trial system attribute that holds a trial's value when it reached ``rung``."""
    return _RUNG_KEYS[rung] if rung < len(_RUNG_KEYS) else f"{RUNG_KEY_PREFIX}{rung}"


class _CompletedSteps:
    """Intermediate values of a study's COMPLETE trials, grouped by step.

    New trials are only noted on arrival; their values are sorted into the per-step lists when a
    percentile is first needed, so pruners that never ask for one do not pay for it.
    """

    def __init__(self) -> None:
        self.n_complete = 0
        self.seen: set[int] = set()
        self.unsorted: list[FrozenTrial] = []
        self.n_reports: dict[int, int] = {}  # step -> number of reports, NaN included
        self.sorted_values: dict[int, list[float]] = {}  # step -> non-NaN values, sorted
        # (datetime_complete, number, last_step) of the earliest finished trial with reports.
        self.first_finished: tuple[datetime.datetime, int, int] | None = None

    def ingest(self, trials: list[FrozenTrial]) -> None:
        for t in trials:
            if t._trial_id in self.seen:
                continue
            self.seen.add(t._trial_id)
            self.unsorted.append(t)
            values = t.intermediate_values
            if values:
                key = (t.datetime_complete or _NO_TIME, t.number, max(values))
                if self.first_finished is None or key < self.first_finished:
                    self.first_finished = key
        self.n_complete = len(self.seen)

    def sort_new_values(self) -> None:
        for t in self.unsorted:
            for step, value in t.intermediate_values.items():
                self.n_reports[step] = self.n_reports.get(step, 0) + 1
                if not math.isnan(value):
                    bisect.insort(self.sorted_values.setdefault(step, []), value)
        self.unsorted.clear()


def linear_percentile(sorted_values: list[float], q: float) -> float:
    """The ``q``-th percentile of sorted, NaN-free values with linear interpolation.

    Computed in the same order of floating-point operations as ``numpy.percentile`` (default
    method), so the result is bit-for-bit the same, without re-sorting on every call.
    """
    n = len(sorted_values)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        lower = upper = n - 1
        gamma = virtual + 1  # numpy measures it from index -1 here; a == b makes it moot
    else:
        lower = math.floor(virtual)
        upper = lower + 1
        gamma = virtual - lower
    a = sorted_values[lower]
    b = sorted_values[upper]
    diff = b - a
    if gamma >= 0.5:
        return b - diff * (1 - gamma)
    return a + diff * gamma


class _FinishedRungs:
    """Rung values (``completed_rung_<k>`` attributes) of a study's finished trials."""

    def __init__(self) -> None:
        self.n_finished = 0
        self.seen: set[int] = set()
        # rung key -> [(trial_id, trial number, value)], in arrival order
        self.by_key: dict[str, list[tuple[int, int, float]]] = {}
        # (rung key, filter key) -> (entries of by_key[rung key] consumed, their sorted values)
        self.sorted_views: dict[tuple[str, Hashable], tuple[int, list[float]]] = {}

    def ingest(self, trials: list[FrozenTrial]) -> None:
        for t in trials:
            if t._trial_id in self.seen:
                continue
            self.seen.add(t._trial_id)
            _add_rungs(self.by_key, t)
        self.n_finished = len(self.seen)

    def sorted_values(
        self, key: str, filter_key: Hashable, keep: Callable[[int], bool] | None
    ) -> list[float]:
        """Sorted values at rung ``key`` of the finished trials whose number passes ``keep``."""
        entries = self.by_key.get(key, [])
        consumed, values = self.sorted_views.get((key, filter_key), (0, []))
        for _, number, value in entries[consumed:]:
            if keep is None or keep(number):
                bisect.insort(values, value)
        self.sorted_views[(key, filter_key)] = (len(entries), values)
        return values


class RungSnapshot:
    """Other trials' values at each rung, as of one ``prune`` call."""

    def __init__(
        self,
        lock: threading.Lock,
        finished: _FinishedRungs,
        unfinished: dict[str, list[tuple[int, int, float]]],
    ) -> None:
        self._lock = lock
        self._finished = finished
        self._unfinished = unfinished

    def order_statistic(
        self,
        key: str,
        extra: list[float],
        rank_of: Callable[[int], int],
        exclude_trial_id: int,
        filter_key: Hashable = None,
        keep: Callable[[int], bool] | None = None,
    ) -> tuple[int, float]:
        """The number ``n`` of values at rung ``key`` together with ``extra``, and the value of
        rank ``rank_of(n)`` among them (0 is the smallest, -1 the largest).

        Only trials whose number passes ``keep`` count (``filter_key`` names that filter in the
        cache); the trial ``exclude_trial_id`` never does.
        """
        others = [
            v
            for trial_id, number, v in self._unfinished.get(key, ())
            if trial_id != exclude_trial_id and (keep is None or keep(number))
        ]
        small = sorted(others + extra)
        with self._lock:  # the sorted list is shared and grows
            finished = self._finished.sorted_values(key, filter_key, keep)
            n = len(finished) + len(small)
            if n == 0:
                return 0, math.nan
            k = rank_of(n)
            k = k if k >= 0 else n + k
            return n, _kth_smallest(finished, small, min(max(k, 0), n - 1))


def _kth_smallest(large: list[float], small: list[float], k: int) -> float:
    """The ``k``-th smallest (0-based) value of two sorted lists, in O(len(small) log n)."""
    # The answer is the smallest candidate with at least k + 1 values <= it; it is either
    # large[k - j] or small[j] for some j.
    candidates = [large[k - j] for j in range(len(small) + 1) if 0 <= k - j < len(large)]
    candidates += small
    best = math.inf
    found = False
    for x in candidates:
        if bisect.bisect_right(large, x) + bisect.bisect_right(small, x) >= k + 1:
            if not found or x < best:
                best = x
                found = True
    return best


def _add_rungs(by_key: dict[str, list[tuple[int, int, float]]], t: FrozenTrial) -> None:
    for key, value in t.system_attrs.items():
        if key.startswith(RUNG_KEY_PREFIX):
            by_key.setdefault(key, []).append((t._trial_id, t.number, value))


class StudyHistory:
    """Everything pruners cache about one study of one storage. Get it with :func:`history`."""

    def __init__(self, storage: BaseStorage, study_id: int) -> None:
        # A weak reference: the registry holds entries weakly keyed by the storage, and a
        # strong one here would keep every storage alive forever.
        try:
            self._storage_ref: Callable[[], Any] = weakref.ref(storage)
        except TypeError:
            self._storage_ref = lambda: storage
        self._study_id = study_id
        self._lock = threading.Lock()
        self._completed = _CompletedSteps()
        self._rungs = _FinishedRungs()
        # Study system attributes pruners wrote once and never change (e.g. estimated resources).
        self._fixed_attrs: dict[str, Any] = {}

    @property
    def _storage(self) -> BaseStorage:
        return self._storage_ref()

    # --- COMPLETE trials, by step ---------------------------------------------------------------

    def n_complete(self) -> int:
        """Count the study's COMPLETE trials, reading new ones into the cache when it grew."""
        n = self._storage.get_n_trials(self._study_id, state=_COMPLETE)
        with self._lock:
            cache = self._completed
            if n == cache.n_complete:
                return n
            if n < cache.n_complete:  # the study was replaced under the same id
                cache = self._completed = _CompletedSteps()
            trials = self._storage.get_all_trials(self._study_id, deepcopy=False, states=_COMPLETE)
            cache.ingest(trials)
            return cache.n_complete

    def percentile_at(self, step: int, q: float, n_min_trials: int) -> float:
        """The ``q``-th percentile (NaNs ignored) of COMPLETE trials' values at ``step``.

        NaN when fewer than ``n_min_trials`` trials reported ``step`` (NaN reports count) or
        when all of them are NaN. Call :meth:`n_complete` first to refresh the cache.
        """
        with self._lock:
            cache = self._completed
            if cache.unsorted:
                cache.sort_new_values()
            if cache.n_reports.get(step, 0) < n_min_trials:
                return math.nan
            values = cache.sorted_values.get(step)
            return linear_percentile(values, q) if values else math.nan

    def first_finished_last_step(self) -> int | None:
        """``last_step`` of the COMPLETE trial with reports that finished first, or ``None``."""
        self.n_complete()
        with self._lock:
            first = self._completed.first_finished
            return None if first is None else first[2]

    # --- rungs of successive halving ------------------------------------------------------------

    def rung_snapshot(self, caller_unfinished: bool) -> RungSnapshot:
        """Every trial's rung values: finished trials from the cache, others read fresh.

        ``caller_unfinished`` says the calling trial is running: when it is the only unfinished
        trial, the (full-scan) read of unfinished trials is skipped.
        """
        # Unfinished trials first: a trial finishing in between is then seen at least once.
        storage = self._storage
        n_unfinished = storage.get_n_trials(self._study_id, state=_UNFINISHED)
        if n_unfinished > (1 if caller_unfinished else 0):
            unfinished = storage.get_all_trials(self._study_id, deepcopy=False, states=_UNFINISHED)
        else:
            unfinished = []
        n = storage.get_n_trials(self._study_id, state=_FINISHED)
        with self._lock:
            cache = self._rungs
            if n < cache.n_finished:
                cache = self._rungs = _FinishedRungs()
            if n != cache.n_finished:
                finished = self._storage.get_all_trials(
                    self._study_id, deepcopy=False, states=_FINISHED
                )
                cache.ingest(finished)
            seen = cache.seen
            unfinished_rungs: dict[str, list[tuple[int, int, float]]] = {}
            for t in unfinished:
                if t._trial_id not in seen:
                    _add_rungs(unfinished_rungs, t)
            return RungSnapshot(self._lock, cache, unfinished_rungs)

    # --- values written once to the study -----------------------------------------------------

    def known_fixed_attr(self, key: str) -> Any:
        """Like :meth:`fixed_attr` but only from this process's cache (no storage read)."""
        return self._fixed_attrs.get(key)  # entries are only ever added

    def fixed_attr(self, key: str) -> Any:
        """A study system attribute that never changes once written, or ``None`` if unset."""
        with self._lock:
            if key in self._fixed_attrs:
                return self._fixed_attrs[key]
        value = self._storage.get_study_system_attrs(self._study_id).get(key)
        if value is not None:
            with self._lock:
                self._fixed_attrs[key] = value
        return value

    def set_fixed_attr(self, key: str, value: Any) -> Any:
        """Write ``value`` unless the attribute is already set; return the stored value."""
        stored = self.fixed_attr(key)
        if stored is not None:
            return stored
        self._storage.set_study_system_attr(self._study_id, key, value)
        with self._lock:
            self._fixed_attrs[key] = value
        return value


_registry: weakref.WeakKeyDictionary[Any, dict[int, StudyHistory]] = weakref.WeakKeyDictionary()
_fallback_registry: dict[tuple[int, int], StudyHistory] = {}
_registry_lock = threading.Lock()


_last_used: tuple[Callable[[], Any], int, StudyHistory] | None = None


def history(storage: BaseStorage, study_id: int) -> StudyHistory:
    """The cache entry of study ``study_id`` in ``storage`` (created on first use)."""
    global _last_used
    last = _last_used
    if last is not None and last[1] == study_id and last[0]() is storage:
        return last[2]
    entry = _lookup(storage, study_id)
    _last_used = (entry._storage_ref, study_id, entry)
    return entry


def _lookup(storage: BaseStorage, study_id: int) -> StudyHistory:
    with _registry_lock:
        try:
            per_storage = _registry.get(storage)
            if per_storage is None:
                per_storage = _registry[storage] = {}
        except TypeError:  # not weak-referenceable
            key = (id(storage), study_id)
            entry = _fallback_registry.get(key)
            if entry is None or entry._storage is not storage:
                entry = _fallback_registry[key] = StudyHistory(storage, study_id)
            return entry
        entry = per_storage.get(study_id)
        if entry is None:
            entry = per_storage[study_id] = StudyHistory(storage, study_id)
        return entry
