"""The default storage: everything in this process's memory, guarded by one lock."""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Container, Sequence
from typing import Any

from hpo.distributions import BaseDistribution, check_distribution_compatibility
from hpo.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from hpo.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from hpo.study._frozen import FrozenStudy
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial, _new_running_trial
from hpo.trial._state import TrialState


class _StudyRecord:
    __slots__ = (
        "name",
        "directions",
        "user_attrs",
        "system_attrs",
        "trials",
        "param_distributions",
        "unfinished",
        "best_trial_id",
        "state_counts",
    )

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.trials: list[FrozenTrial] = []
        self.param_distributions: dict[str, BaseDistribution] = {}
        self.unfinished: set[int] = set()  # numbers of RUNNING and WAITING trials
        self.best_trial_id: int | None = None
        self.state_counts: dict[TrialState, int] = dict.fromkeys(TrialState, 0)


class InMemoryStorage(BaseStorage):
    """Keeps studies in memory: fast, thread-safe, and gone when the process exits.

    This is what :func:`hpo.create_study` uses when no storage is given. For several processes or
    machines, use :class:`~hpo.storages.RDBStorage` or a journal storage.

    Example:
        >>> import hpo
        >>> study = hpo.create_study(storage=hpo.storages.InMemoryStorage())
    """

    def __init__(self) -> None:
        self._studies: dict[int, _StudyRecord] = {}
        self._name_to_id: dict[str, int] = {}
        self._trial_index: dict[int, tuple[int, int]] = {}  # trial_id -> (study_id, number)
        self._next_study_id = 0
        self._next_trial_id = 0
        self._lock = threading.RLock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # --- studies ------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        with self._lock:
            if study_name is None:
                study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
            if study_name in self._name_to_id:
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists. Pass load_if_exists=True to "
                    "load it, or choose another name."
                )
            study_id = self._next_study_id
            self._next_study_id += 1
            self._studies[study_id] = _StudyRecord(study_name, list(directions))
            self._name_to_id[study_name] = study_id
            return study_id

    def delete_study(self, study_id: int) -> None:
        with self._lock:
            record = self._study(study_id)
            for trial in record.trials:
                del self._trial_index[trial._trial_id]
            del self._name_to_id[record.name]
            del self._studies[study_id]

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).user_attrs[key] = value

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._lock:
            self._study(study_id).system_attrs[key] = value

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._lock:
            if study_name not in self._name_to_id:
                raise KeyError(f"No study named {study_name!r}.")
            return self._name_to_id[study_name]

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._lock:
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._lock:
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._lock:
            return [
                FrozenStudy(
                    study_name=r.name,
                    direction=None,
                    directions=list(r.directions),
                    user_attrs=dict(r.user_attrs),
                    system_attrs=dict(r.system_attrs),
                    study_id=study_id,
                )
                for study_id, r in self._studies.items()
            ]

    # --- trials -------------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        with self._lock:
            record = self._study(study_id)
            number = len(record.trials)
            # Never reused, even after a study is deleted (caches key on trial ids).
            trial_id = self._next_trial_id
            self._next_trial_id += 1
            if template_trial is None:
                trial = _new_running_trial(number, trial_id, datetime.datetime.now())
            else:
                trial = template_trial._copy()
                trial.number = number
                trial._trial_id = trial_id
                for name, dist in trial.distributions.items():
                    self._check_and_register_distribution(record, name, dist)
            record.trials.append(trial)
            record.state_counts[trial.state] += 1
            self._trial_index[trial_id] = (study_id, number)
            if not trial.state.is_finished():
                record.unfinished.add(number)
            elif trial.state is TrialState.COMPLETE:
                self._update_best(record, trial)
            return trial_id

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._lock:
            record, trial = self._updatable_trial(trial_id)
            self._check_and_register_distribution(record, param_name, distribution)
            trial._params[param_name] = distribution.to_external_repr(param_value_internal)
            trial._distributions[param_name] = distribution

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._lock:
            trials = self._study(study_id).trials
            if not 0 <= trial_number < len(trials):
                raise KeyError(f"No trial number {trial_number} in study {study_id}.")
            return trials[trial_number]._trial_id

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._lock:
            return self._locate(trial_id)[1]

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        with self._lock:
            record, trial = self._locate_trial(trial_id)
            if trial.state.is_finished():
                raise UpdateFinishedTrialError(
                    f"Trial#{trial.number} has already finished with state {trial.state.name} "
                    "and can not be updated."
                )
            if state is TrialState.RUNNING and trial.state is not TrialState.WAITING:
                return False
            record.state_counts[trial.state] -= 1
            record.state_counts[state] += 1
            trial.state = state
            if values is not None:
                trial._values = list(values)
            if state is TrialState.RUNNING:
                trial._datetime_start = datetime.datetime.now()
            if state.is_finished():
                trial.datetime_complete = datetime.datetime.now()
                record.unfinished.discard(trial.number)
                if state is TrialState.COMPLETE:
                    self._update_best(record, trial)
            return True

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._lock:
            _, trial = self._updatable_trial(trial_id)
            trial.intermediate_values[step] = intermediate_value

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            _, trial = self._updatable_trial(trial_id)
            trial._user_attrs[key] = value

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._lock:
            _, trial = self._updatable_trial(trial_id)
            trial._system_attrs[key] = value

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._lock:
            return self._locate_trial(trial_id)[1]._copy()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._lock:
            record = self._study(study_id)
            if states is None:
                trials = list(record.trials)
            elif _only_unfinished(states):
                trials = [record.trials[n] for n in sorted(record.unfinished)]
                trials = [t for t in trials if t.state in states]
            else:
                trials = [t for t in record.trials if t.state in states]
            if deepcopy:
                return [t._copy() for t in trials]
            return trials

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        with self._lock:
            record = self._study(study_id)
            if state is None:
                return len(record.trials)
            if isinstance(state, TrialState):
                state = (state,)
            return sum(record.state_counts[s] for s in set(state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        with self._lock:
            record = self._study(study_id)
            if len(record.directions) > 1:
                raise RuntimeError(
                    "The best trial of a multi-objective study is undefined; use `best_trials`."
                )
            if record.best_trial_id is None:
                raise ValueError("No trials are completed yet.")
            return self.get_trial(record.best_trial_id)

    # --- helpers ------------------------------------------------------------------------------

    def _study(self, study_id: int) -> _StudyRecord:
        try:
            return self._studies[study_id]
        except KeyError:
            raise KeyError(f"No study with id {study_id}.") from None

    def _locate(self, trial_id: int) -> tuple[int, int]:
        try:
            return self._trial_index[trial_id]
        except KeyError:
            raise KeyError(f"No trial with id {trial_id}.") from None

    def _locate_trial(self, trial_id: int) -> tuple[_StudyRecord, FrozenTrial]:
        study_id, number = self._locate(trial_id)
        record = self._studies[study_id]
        return record, record.trials[number]

    def _updatable_trial(self, trial_id: int) -> tuple[_StudyRecord, FrozenTrial]:
        record, trial = self._locate_trial(trial_id)
        if trial.state.is_finished():
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished with state {trial.state.name} and "
                "can not be updated."
            )
        return record, trial

    @staticmethod
    def _check_and_register_distribution(
        record: _StudyRecord, name: str, distribution: BaseDistribution
    ) -> None:
        known = record.param_distributions.get(name)
        if known is None:
            record.param_distributions[name] = distribution
        elif known != distribution:
            check_distribution_compatibility(known, distribution)

    def _update_best(self, record: _StudyRecord, trial: FrozenTrial) -> None:
        if len(record.directions) != 1 or trial._values is None:
            return
        if record.best_trial_id is None:
            record.best_trial_id = trial._trial_id
            return
        best = self._locate_trial(record.best_trial_id)[1]
        assert best._values is not None
        if record.directions[0] is StudyDirection.MAXIMIZE:
            better = trial._values[0] > best._values[0]
        else:
            better = trial._values[0] < best._values[0]
        if better:
            record.best_trial_id = trial._trial_id


def _only_unfinished(states: Container[TrialState]) -> bool:
    return not any(s in states for s in TrialState if s.is_finished())
