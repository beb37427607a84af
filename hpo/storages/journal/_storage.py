"""JournalStorage: a BaseStorage over an append-only log of operations."""

from __future__ import annotations

import time
import uuid
from collections.abc import Container, Sequence
from typing import Any

from hpo import logging
from hpo.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from hpo.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from hpo.storages._base import DEFAULT_STUDY_NAME_PREFIX, BaseStorage
from hpo.storages._heartbeat import (
    BaseHeartbeat,
    StaleTrialCallback,
    check_heartbeat_arguments,
    grace_seconds,
)
from hpo.storages.journal._base import BaseJournalBackend
from hpo.storages.journal._core import _JournalCore, _now
from hpo.storages.journal._replay import (
    HEARTBEAT_KEY,
    JournalOperation,
    StudyState,
    format_time,
)
from hpo.study._frozen import FrozenStudy
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState

_logger = logging.get_logger(__name__)

SNAPSHOT_INTERVAL = 2000


class JournalStorage(_JournalCore, BaseStorage, BaseHeartbeat):
    """A storage that appends one JSON operation per change to a shared log and replays it.

    Each process keeps the replayed state in memory and, before answering, applies only the
    operations it has not seen, so reads cost almost nothing. Ids, trial numbers and the winner of
    a race for a WAITING trial follow from the order of the log. The log format is Optuna's, so a
    journal written by Optuna opens in hpo and the reverse. On backends that keep snapshots (all
    of hpo's) the replayed state is saved as JSON every ``snapshot_interval`` operations, and
    opening reads the latest snapshot and replays only the operations after it.

    Writes that need no answer (parameters, intermediate values and attributes of a trial) are
    appended together with the next operation that needs one, or before the next read.

    Args:
        log_storage: The backend: :class:`~hpo.storages.journal.JournalFileBackend`,
            :class:`~hpo.storages.journal.JournalRedisBackend`,
            :class:`~hpo.storages.journal.JournalRDBBackend` or your own
            :class:`~hpo.storages.journal.BaseJournalBackend`.
        heartbeat_interval: Seconds between heartbeats of running trials; ``None`` disables them.
            Heartbeats use the writers' clocks, which must agree within the grace period.
        grace_period: Seconds without a heartbeat after which a RUNNING trial is failed by
            :func:`~hpo.storages.fail_stale_trials`; defaults to ``2 * heartbeat_interval``.
        heartbeat_stale_trial_callback: Called once for every trial failed as stale, e.g.
            :class:`~hpo.storages.RetryHeartbeatStaleTrialCallback`.
        snapshot_interval: Operations between two snapshots.

    Example:
        >>> import hpo
        >>> from hpo.storages.journal import JournalFileBackend
        >>> storage = hpo.storages.JournalStorage(JournalFileBackend("./journal.log"))
        >>> study = hpo.create_study(storage=storage)
    """

    def __init__(
        self,
        log_storage: BaseJournalBackend,
        *,
        heartbeat_interval: int | None = None,
        grace_period: int | None = None,
        heartbeat_stale_trial_callback: StaleTrialCallback | None = None,
        snapshot_interval: int = SNAPSHOT_INTERVAL,
    ) -> None:
        if not isinstance(log_storage, BaseJournalBackend):
            raise TypeError(
                "`log_storage` must be a BaseJournalBackend such as "
                f"JournalFileBackend(path), but got {type(log_storage).__name__}."
            )
        check_heartbeat_arguments(heartbeat_interval, grace_period)
        if snapshot_interval <= 0:
            raise ValueError(
                f"`snapshot_interval` must be a positive integer, but got {snapshot_interval}."
            )
        self._backend = log_storage
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period
        self.heartbeat_stale_trial_callback = heartbeat_stale_trial_callback
        self._snapshot_interval = snapshot_interval
        self._open()

    def remove_session(self) -> None:
        self._flush()

    # --- studies ------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        if study_name is None:
            study_name = DEFAULT_STUDY_NAME_PREFIX + str(uuid.uuid4())
        with self._thread_lock:
            if study_name in self._read().name_to_id:
                raise DuplicatedStudyError(
                    f"A study named {study_name!r} already exists. Pass load_if_exists=True to "
                    "load it, or choose another name."
                )
            log = {
                "op_code": JournalOperation.CREATE_STUDY,
                "study_name": study_name,
                "directions": [int(d) for d in directions],
            }
            study_id = self._apply(log)
        _logger.info(f"A new study created in Journal with name: {study_name}")
        return study_id

    def delete_study(self, study_id: int) -> None:
        with self._thread_lock:
            self._study(study_id)
            self._apply({"op_code": JournalOperation.DELETE_STUDY, "study_id": study_id})

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._study(study_id)
            self._apply(
                {
                    "op_code": JournalOperation.SET_STUDY_USER_ATTR,
                    "study_id": study_id,
                    "user_attr": {key: value},
                }
            )

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._study(study_id)
            self._apply(
                {
                    "op_code": JournalOperation.SET_STUDY_SYSTEM_ATTR,
                    "study_id": study_id,
                    "system_attr": {key: value},
                }
            )

    def get_study_id_from_name(self, study_name: str) -> int:
        with self._thread_lock:
            study_id = self._read().name_to_id.get(study_name)
            if study_id is None:
                raise KeyError(f"No study named {study_name!r}.")
            return study_id

    def get_study_name_from_id(self, study_id: int) -> str:
        with self._thread_lock:
            self._read()
            return self._study(study_id).name

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        with self._thread_lock:
            self._read()
            return list(self._study(study_id).directions)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        with self._thread_lock:
            self._read()
            return dict(self._study(study_id).user_attrs)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        with self._thread_lock:
            self._read()
            return dict(self._study(study_id).system_attrs)

    def get_all_studies(self) -> list[FrozenStudy]:
        with self._thread_lock:
            state = self._read()
            return [
                FrozenStudy(
                    study_name=s.name,
                    direction=None,
                    directions=list(s.directions),
                    user_attrs=dict(s.user_attrs),
                    system_attrs=dict(s.system_attrs),
                    study_id=study_id,
                )
                for study_id, s in state.studies.items()
            ]

    # --- trials: writes -----------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        log: dict[str, Any] = {"op_code": JournalOperation.CREATE_TRIAL, "study_id": study_id}
        with self._thread_lock:
            study = self._study(study_id)
            if template_trial is None:
                log["datetime_start"] = _now()
            else:
                for name, dist in template_trial.distributions.items():
                    _check_compatible(study, name, dist)
                log.update(_template_fields(template_trial))
            return self._apply(log)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        with self._thread_lock:
            trial = self._updatable_trial(trial_id)
            study = self._state.studies[self._state.trial_study[trial_id]]
            _check_compatible(study, param_name, distribution)
            self._buffer(
                {
                    "op_code": JournalOperation.SET_TRIAL_PARAM,
                    "trial_id": trial._trial_id,
                    "param_name": param_name,
                    "param_value_internal": param_value_internal,
                    "distribution": distribution_to_json(distribution),
                }
            )

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        with self._thread_lock:
            self._read()
            trial_ids = self._study(study_id).trial_ids
            if not 0 <= trial_number < len(trial_ids):
                raise KeyError(f"No trial number {trial_number} in study {study_id}.")
            return trial_ids[trial_number]

    def get_trial_number_from_id(self, trial_id: int) -> int:
        with self._thread_lock:
            return self._trial(trial_id).number

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        with self._thread_lock:
            trial = self._updatable_trial(trial_id)
            if state is TrialState.RUNNING:
                if trial.state is TrialState.WAITING:
                    trial = self._read().trials[trial_id]  # someone may have claimed it
                if trial.state is TrialState.RUNNING:
                    return False
            log: dict[str, Any] = {
                "op_code": JournalOperation.SET_TRIAL_STATE_VALUES,
                "trial_id": trial_id,
                "state": int(state),
                "values": None if values is None else [float(v) for v in values],
            }
            if state is TrialState.RUNNING:
                log["datetime_start"] = _now()
            elif state.is_finished():
                log["datetime_complete"] = _now()
            outcome = self._write(log)
            if isinstance(outcome, UpdateFinishedTrialError) and state is TrialState.RUNNING:
                return False  # it was WAITING here; another worker claimed and finished it first
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        with self._thread_lock:
            self._updatable_trial(trial_id)
            self._buffer(
                {
                    "op_code": JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE,
                    "trial_id": trial_id,
                    "step": step,
                    "intermediate_value": intermediate_value,
                }
            )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._updatable_trial(trial_id)
            self._buffer(
                {
                    "op_code": JournalOperation.SET_TRIAL_USER_ATTR,
                    "trial_id": trial_id,
                    "user_attr": {key: value},
                }
            )

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        with self._thread_lock:
            self._updatable_trial(trial_id)
            self._buffer(
                {
                    "op_code": JournalOperation.SET_TRIAL_SYSTEM_ATTR,
                    "trial_id": trial_id,
                    "system_attr": {key: value},
                }
            )

    # --- trials: reads ------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._thread_lock:
            self._read()
            return self._trial(trial_id)._copy()

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        with self._thread_lock:
            state = self._read()
            study = self._study(study_id)
            trials = state.trials
            if states is None:
                selected = [trials[i] for i in study.trial_ids]
            elif _only_waiting(states):
                selected = sorted((trials[i] for i in study.waiting), key=lambda t: t._number)
            else:
                selected = [t for t in (trials[i] for i in study.trial_ids) if t.state in states]
            if deepcopy:
                return [t._copy() for t in selected]
            return selected

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        if state is None:
            with self._thread_lock:
                self._read()
                return len(self._study(study_id).trial_ids)
        return super().get_n_trials(study_id, state)

    # --- heartbeat ----------------------------------------------------------------------------

    def record_heartbeat(self, trial_id: int) -> None:
        with self._thread_lock:
            self._updatable_trial(trial_id)
            self._apply(
                {
                    "op_code": JournalOperation.SET_TRIAL_SYSTEM_ATTR,
                    "trial_id": trial_id,
                    "system_attr": {HEARTBEAT_KEY: time.time()},
                }
            )

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        assert self.heartbeat_interval is not None
        deadline = time.time() - grace_seconds(self.heartbeat_interval, self.grace_period)
        with self._thread_lock:
            state = self._read()
            self._study(study_id)
            return [
                trial_id
                for trial_id, beat in state.heartbeats.items()
                if beat < deadline
                and state.trial_study.get(trial_id) == study_id
                and state.trials[trial_id].state is TrialState.RUNNING
            ]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_heartbeat_stale_trial_callback(self) -> StaleTrialCallback | None:
        return self.heartbeat_stale_trial_callback


def _check_compatible(study: StudyState, name: str, distribution: BaseDistribution) -> None:
    known = study.distributions.get(name)
    if known is not None and known != distribution:
        check_distribution_compatibility(known, distribution)


def _template_fields(template: FrozenTrial) -> dict[str, Any]:
    values = template.values
    fields: dict[str, Any] = {"state": int(template.state)}
    if values is not None and len(values) > 1:
        fields["value"], fields["values"] = None, [float(v) for v in values]
    else:
        fields["value"], fields["values"] = template.value, None
    start = template.datetime_start
    fields["datetime_start"] = None if start is None else format_time(start)
    if template.datetime_complete is not None:
        fields["datetime_complete"] = format_time(template.datetime_complete)
    fields["distributions"] = {
        name: distribution_to_json(dist) for name, dist in template.distributions.items()
    }
    fields["params"] = {
        name: template.distributions[name].to_internal_repr(value)
        for name, value in template.params.items()
    }
    fields["user_attrs"] = template.user_attrs
    fields["system_attrs"] = template.system_attrs
    fields["intermediate_values"] = template.intermediate_values
    return fields


def _only_waiting(states: Container[TrialState]) -> bool:
    return TrialState.WAITING in states and not any(
        s in states for s in TrialState if s is not TrialState.WAITING
    )
