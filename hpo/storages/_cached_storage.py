"""The finished-trial cache in front of :class:`~hpo.storages.RDBStorage`.

Finished trials never change, so each process keeps the ones it has seen and asks the database
only for trials that are new or were unfinished at the last read: the cost of
``get_all_trials`` grows with the number of running trials, not with the size of the study.

Trials this process runs (created here, or WAITING trials it claimed) are *owned*: the cache
applies its own writes to a local copy, so reading them back costs nothing. Writes always go
straight to the database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from hpo.distributions import BaseDistribution, check_distribution_compatibility
from hpo.exceptions import UpdateFinishedTrialError
from hpo.storages._base import BaseStorage
from hpo.storages._heartbeat import BaseHeartbeat, StaleTrialCallback
from hpo.storages._rdb._trials import TRIAL_COLUMNS
from hpo.storages._rdb.models import trials as trials_table
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial, _new_running_trial
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.storages._rdb.storage import RDBStorage
    from hpo.study._frozen import FrozenStudy

_PENDING_IN_LIMIT = 500


class _StudyCache:
    __slots__ = (
        "trials",
        "last_read",
        "pending",
        "owned",
        "dists",
        "directions",
        "best_id",
        "best_dirty",
        "version",
        "views",
    )

    def __init__(self) -> None:
        self.trials: list[FrozenTrial | None] = []  # index = trial number
        self.last_read = -1  # every number <= this was read (or is owned)
        self.pending: dict[int, int] = {}  # unfinished trials of other workers: id -> number
        self.owned: set[int] = set()
        self.dists: dict[str, BaseDistribution] = {}
        self.directions: list[StudyDirection] | None = None
        self.best_id: int | None = None
        self.best_dirty = False
        self.version = 0  # bumped whenever a trial is added or changes state
        self.views: dict[tuple[TrialState, ...] | None, tuple[int, list[FrozenTrial]]] = {}

    def view(self, states: tuple[TrialState, ...] | None) -> list[FrozenTrial]:
        """The trials in ``states`` (all for ``None``), memoised until the next change."""
        memo = self.views.get(states)
        if memo is not None and memo[0] == self.version:
            return memo[1]
        if states is None:
            found = [t for t in self.trials if t is not None]
        else:
            found = [t for t in self.trials if t is not None and t.state in states]
        self.views[states] = (self.version, found)
        return found

    def put(self, trial: FrozenTrial) -> None:
        number = trial.number
        if number >= len(self.trials):
            self.trials.extend([None] * (number + 1 - len(self.trials)))
        self.trials[number] = trial
        self.version += 1
        for name, dist in trial.distributions.items():
            self.dists.setdefault(name, dist)


class _CachedStorage(BaseStorage, BaseHeartbeat):
    """Wraps an :class:`RDBStorage`; :func:`hpo.storages.get_storage` builds it from a URL."""

    def __init__(self, backend: RDBStorage) -> None:
        self._backend = backend
        self._init_cache()

    def _init_cache(self) -> None:
        self._lock = threading.RLock()
        self._studies: dict[int, _StudyCache] = {}
        self._finished: dict[int, FrozenTrial] = {}
        self._owned: dict[int, tuple[int, FrozenTrial]] = {}  # trial id -> (study id, trial)
        self._trial_study: dict[int, int] = {}  # pending trial id -> study id
        self._names: dict[int, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"_backend": self._backend}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._backend = state["_backend"]
        self._init_cache()

    def __repr__(self) -> str:
        return f"_CachedStorage({self._backend!r})"

    def _study(self, study_id: int) -> _StudyCache:
        cache = self._studies.get(study_id)
        if cache is None:
            cache = self._studies[study_id] = _StudyCache()
        return cache

    # --- studies ------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        study_id = self._backend.create_new_study(directions, study_name)
        with self._lock:
            cache = self._study(study_id)
            cache.directions = list(directions)
        return study_id

    def delete_study(self, study_id: int) -> None:
        self._backend.delete_study(study_id)
        with self._lock:
            cache = self._studies.pop(study_id, None)
            self._names.pop(study_id, None)
            if cache is not None:
                for trial in cache.trials:
                    if trial is not None:
                        self._finished.pop(trial._trial_id, None)
                        self._owned.pop(trial._trial_id, None)
                        self._trial_study.pop(trial._trial_id, None)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._backend.set_study_user_attr(study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._backend.set_study_system_attr(study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return self._backend.get_study_id_from_name(study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        name = self._names.get(study_id)
        if name is None:
            name = self._names[study_id] = self._backend.get_study_name_from_id(study_id)
        return name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            cache = self._studies.get(study_id)
            if cache is not None and cache.directions is not None:
                return list(cache.directions)
        directions = self._backend.get_study_directions(study_id)
        with self._lock:
            self._study(study_id).directions = directions
        return list(directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._backend.get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._backend.get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        return self._backend.get_all_studies()

    # --- trials: writes -----------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        trial_id, number, start = self._backend._create_trial(study_id, template_trial)
        if template_trial is not None:
            return trial_id  # the next read picks it up with whatever state it has
        trial = _new_running_trial(number, trial_id, start)
        with self._lock:
            cache = self._study(study_id)
            cache.put(trial)
            cache.owned.add(trial_id)
            self._owned[trial_id] = (study_id, trial)
        return trial_id

    def _disown(self, trial_id: int) -> None:
        """Someone else finished our trial (e.g. failed it as stale): re-read it next time."""
        with self._lock:
            owned = self._owned.pop(trial_id, None)
            if owned is not None:
                study_id, trial = owned
                cache = self._study(study_id)
                cache.owned.discard(trial_id)
                cache.pending[trial_id] = trial.number
                self._trial_study[trial_id] = study_id

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        owned = self._owned.get(trial_id)
        if owned is None:
            self._backend.set_trial_param(trial_id, param_name, param_value_internal, distribution)
            return
        study_id, trial = owned
        known = self._study(study_id).dists.get(param_name)
        if known is not None and known != distribution:
            check_distribution_compatibility(known, distribution)
        try:
            self._backend._set_trial_param(
                trial_id, param_name, param_value_internal, distribution, known is None
            )
        except UpdateFinishedTrialError:
            self._disown(trial_id)
            raise
        with self._lock:
            trial._params[param_name] = distribution.to_external_repr(param_value_internal)
            trial._distributions[param_name] = distribution
            self._study(study_id).dists.setdefault(param_name, distribution)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        try:
            changed, stamp = self._backend._set_state_values(trial_id, state, values)
        except UpdateFinishedTrialError:
            self._disown(trial_id)
            raise
        if not changed:
            return False
        if state is TrialState.RUNNING:
            self._adopt(trial_id)
            return True
        with self._lock:
            owned = self._owned.get(trial_id)
            if owned is None:
                return True
            study_id, trial = owned
            trial.state = state
            self._study(study_id).version += 1
            if values is not None:
                trial._values = list(values)
            if state.is_finished():
                trial.datetime_complete = stamp
                del self._owned[trial_id]
                cache = self._study(study_id)
                cache.owned.discard(trial_id)
                self._finished[trial_id] = trial
                self._consider_best(cache, trial)
        return True

    def _adopt(self, trial_id: int) -> None:
        """A WAITING trial we just claimed becomes ours."""
        trial = self._backend.get_trial(trial_id)
        with self._lock:
            study_id = self._trial_study.pop(trial_id, None)
            if study_id is None:
                study_id = self._backend._study_id_of_trial(trial_id)
            cache = self._study(study_id)
            cache.pending.pop(trial_id, None)
            cache.put(trial)
            cache.owned.add(trial_id)
            self._owned[trial_id] = (study_id, trial)

    def _write_owned(self, trial_id: int, write: Any, apply: Any) -> None:
        try:
            write()
        except UpdateFinishedTrialError:
            self._disown(trial_id)
            raise
        owned = self._owned.get(trial_id)
        if owned is not None:
            with self._lock:
                apply(owned[1])

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._write_owned(
            trial_id,
            lambda: self._backend.set_trial_intermediate_value(trial_id, step, intermediate_value),
            lambda t: t.intermediate_values.__setitem__(step, float(intermediate_value)),
        )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._write_owned(
            trial_id,
            lambda: self._backend.set_trial_user_attr(trial_id, key, value),
            lambda t: t._user_attrs.__setitem__(key, _json_copy(value)),
        )

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._write_owned(
            trial_id,
            lambda: self._backend.set_trial_system_attr(trial_id, key, value),
            lambda t: t._system_attrs.__setitem__(key, _json_copy(value)),
        )

    # --- trials: reads ------------------------------------------------------------------------

    def _local(self, trial_id: int) -> FrozenTrial | None:
        trial = self._finished.get(trial_id)
        if trial is None:
            owned = self._owned.get(trial_id)
            trial = None if owned is None else owned[1]
        return trial

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            trial = self._local(trial_id)
            if trial is not None:
                return trial._copy()
        trial = self._backend.get_trial(trial_id)
        if trial.state.is_finished():
            with self._lock:
                study_id = self._trial_study.pop(trial_id, None)
                if study_id is not None and study_id in self._studies:
                    cache = self._studies[study_id]
                    cache.pending.pop(trial_id, None)
                    cache.put(trial)
                    self._finished[trial_id] = trial
                    self._consider_best(cache, trial)
                    return trial._copy()
        return trial

    def get_trial_number_from_id(self, trial_id: int) -> int:
        trial = self._local(trial_id)
        if trial is not None:
            return trial.number
        return self._backend.get_trial_number_from_id(trial_id)

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        trial = self._local(trial_id)
        if trial is not None and param_name in trial.distributions:
            return trial.distributions[param_name].to_internal_repr(trial.params[param_name])
        return self._backend.get_trial_param(trial_id, param_name)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            cache = self._studies.get(study_id)
            if cache is not None and 0 <= trial_number < len(cache.trials):
                trial = cache.trials[trial_number]
                if trial is not None:
                    return trial._trial_id
        return self._backend.get_trial_id_from_study_id_trial_number(study_id, trial_number)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        if states is not None and _only_waiting(states):
            # Claiming enqueued trials: one indexed query, no refresh needed.
            waiting = self._backend._read_trials(
                study_id,
                self._backend._st.waiting,
                {"p_study_id": study_id},
                study_id not in self._studies,
            )
            with self._lock:
                for trial in waiting:  # remembered for _adopt, should we claim one
                    self._trial_study[trial._trial_id] = study_id
            return waiting
        key = None if states is None else tuple(s for s in TrialState if s in states)
        with self._lock:
            found = self._refresh(study_id).view(key)
            if deepcopy:
                return [t._copy() for t in found]
            return list(found)

    def _refresh(self, study_id: int) -> _StudyCache:
        """Read the trials that are new or were unfinished at the last read (lock held)."""
        is_new = study_id not in self._studies
        cache = self._study(study_id)
        # Our own running trials are re-read as rows only: if someone else finished one (failed
        # it as stale, told it by number), the database's version replaces our copy.
        unfinished = {**cache.pending, **{i: self._owned[i][1].number for i in cache.owned}}
        if len(unfinished) <= _PENDING_IN_LIMIT:
            stmt = self._backend._st.refresh
            params = {
                "p_study_id": study_id,
                "p_last_read": cache.last_read,
                "p_pending": list(unfinished),
            }
        else:  # a long queue of WAITING trials: read from the oldest unfinished one on
            c = trials_table.c
            stmt = sa.select(*TRIAL_COLUMNS).where(
                c.study_id == study_id, c.number >= min(unfinished.values())
            )
            params = {}
        try:
            fresh, top = self._backend._read_trials_since(
                study_id, stmt, params, is_new, self._finished, cache.owned
            )
        except KeyError:
            if is_new:
                del self._studies[study_id]
            raise
        cache.last_read = max(cache.last_read, top)
        for trial in fresh:
            trial_id = trial._trial_id
            if trial_id in cache.owned:  # finished by another worker
                cache.owned.discard(trial_id)
                del self._owned[trial_id]
            cache.put(trial)
            if trial.state.is_finished():
                cache.pending.pop(trial_id, None)
                self._trial_study.pop(trial_id, None)
                self._finished[trial_id] = trial
                self._consider_best(cache, trial)
            else:
                cache.pending[trial_id] = trial.number
                self._trial_study[trial_id] = study_id
        return cache

    def _consider_best(self, cache: _StudyCache, trial: FrozenTrial) -> None:
        if trial.state is not TrialState.COMPLETE or trial._values is None:
            return
        if len(trial._values) != 1 or cache.best_dirty:
            return
        if cache.directions is None:
            cache.best_dirty = True  # get_best_trial recomputes once the direction is known
            return
        if cache.best_id is None:
            cache.best_id = trial._trial_id
            return
        best = self._finished[cache.best_id]
        assert best._values is not None
        if cache.directions[0] is StudyDirection.MAXIMIZE:
            better = trial._values[0] > best._values[0]
        else:
            better = trial._values[0] < best._values[0]
        if better:
            cache.best_id = trial._trial_id

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        directions = self.get_study_directions(study_id)
        if len(directions) > 1:
            raise RuntimeError(
                "The best trial of a multi-objective study is undefined; use `best_trials`."
            )
        with self._lock:
            cache = self._refresh(study_id)
            complete = [
                t for t in cache.trials if t is not None and t.state is TrialState.COMPLETE
            ]
            if not complete:
                raise ValueError("No trials are completed yet.")
            if cache.best_dirty or cache.best_id is None or cache.best_id not in self._finished:
                cache.best_dirty = False
                pick = max if directions[0] is StudyDirection.MAXIMIZE else min
                cache.best_id = pick(complete, key=lambda t: t.values[0])._trial_id
            return self._finished[cache.best_id]._copy()

    def remove_session(self) -> None:
        self._backend.remove_session()

    # --- heartbeat ----------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        self._backend.record_heartbeat(trial_id)

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        return self._backend._get_stale_trial_ids(study_id)

    def get_heartbeat_interval(self) -> int | None:
        return self._backend.get_heartbeat_interval()

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        return self._backend.get_heartbeat_stale_trial_callback()


def _only_waiting(states: Container[TrialState]) -> bool:
    return TrialState.WAITING in states and not any(
        s in states for s in TrialState if s is not TrialState.WAITING
    )


def _json_copy(value: Any) -> Any:
    return json.loads(json.dumps(value))
