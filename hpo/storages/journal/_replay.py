"""Replaying the operation log into studies and trials (the journal format of Optuna 5.0).

Every line of the log is one JSON object ``{"op_code": int, "worker_id": str, ...}``. Study and
trial ids are not written by the writer: they are assigned while replaying, so every reader that
applies the same log in the same order gets the same ids. An operation that is invalid at its
position (a trial that finished meanwhile, a second claim of a WAITING trial, a duplicated study
name) is ignored by everybody; the process that wrote it learns that from its own replay.
"""

from __future__ import annotations

import datetime
import enum
from typing import Any

from hpo.distributions import (
    BaseDistribution,
    check_distribution_compatibility,
    json_to_distribution,
)
from hpo.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from hpo.study._study_direction import StudyDirection
from hpo.trial._frozen import FrozenTrial
from hpo.trial._state import TrialState

# Heartbeats travel as a trial system attribute, so a log with heartbeats stays readable by
# Optuna; hpo keeps them out of ``FrozenTrial.system_attrs``.
HEARTBEAT_KEY = "hpo:heartbeat"


class JournalOperation(enum.IntEnum):
    CREATE_STUDY = 0
    DELETE_STUDY = 1
    SET_STUDY_USER_ATTR = 2
    SET_STUDY_SYSTEM_ATTR = 3
    CREATE_TRIAL = 4
    SET_TRIAL_PARAM = 5
    SET_TRIAL_STATE_VALUES = 6
    SET_TRIAL_INTERMEDIATE_VALUE = 7
    SET_TRIAL_USER_ATTR = 8
    SET_TRIAL_SYSTEM_ATTR = 9
    DISCARD_TRIALS = 10  # written only by other implementations; carries nothing hpo keeps


class JournalFormatError(ValueError):
    """A log entry is not a valid journal operation."""


class StudyState:
    __slots__ = (
        "name",
        "directions",
        "user_attrs",
        "system_attrs",
        "trial_ids",
        "distributions",
        "waiting",
    )

    def __init__(self, name: str, directions: list[StudyDirection]) -> None:
        self.name = name
        self.directions = directions
        self.user_attrs: dict[str, Any] = {}
        self.system_attrs: dict[str, Any] = {}
        self.trial_ids: list[int] = []
        self.distributions: dict[str, BaseDistribution] = {}
        self.waiting: set[int] = set()


def parse_time(text: str | None) -> datetime.datetime | None:
    """An ISO-8601 time of the log as a naive local time (what FrozenTrial holds)."""
    if text is None:
        return None
    return datetime.datetime.fromisoformat(text).astimezone().replace(tzinfo=None)


def format_time(value: datetime.datetime) -> str:
    """A naive local (or aware) time as the log's UTC ISO-8601 text."""
    return value.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")


def _unfinished(state: TrialState) -> bool:
    return state is TrialState.RUNNING or state is TrialState.WAITING


class ReplayState:
    """The state obtained by applying a log prefix; ``log_number_read`` is that prefix's length.

    ``own_prefix`` marks the worker ids of this process's storage object: the result of each of
    its operations (an id, ``True``/``False`` for a claim, or the exception the operation deserves)
    is appended to ``outcomes`` so the writer can report it.
    """

    def __init__(self, own_prefix: str = "") -> None:
        self.log_number_read = 0
        self.own_prefix = own_prefix
        self.studies: dict[int, StudyState] = {}
        self.name_to_id: dict[str, int] = {}
        self.trials: dict[int, FrozenTrial] = {}
        self.trial_study: dict[int, int] = {}
        self.heartbeats: dict[int, float] = {}
        self.next_study_id = 0
        self.next_trial_id = 0
        self.outcomes: list[Any] = []
        self.own_log_numbers: list[int] = []
        self.last_log: dict[str, Any] | None = None
        self._dist_cache: dict[str, BaseDistribution] = {}
        self._handlers = {
            JournalOperation.CREATE_STUDY: self._create_study,
            JournalOperation.DELETE_STUDY: self._delete_study,
            JournalOperation.SET_STUDY_USER_ATTR: self._set_study_user_attr,
            JournalOperation.SET_STUDY_SYSTEM_ATTR: self._set_study_system_attr,
            JournalOperation.CREATE_TRIAL: self._create_trial,
            JournalOperation.SET_TRIAL_PARAM: self._set_trial_param,
            JournalOperation.SET_TRIAL_STATE_VALUES: self._set_trial_state_values,
            JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE: self._set_intermediate_value,
            JournalOperation.SET_TRIAL_USER_ATTR: self._set_trial_user_attr,
            JournalOperation.SET_TRIAL_SYSTEM_ATTR: self._set_trial_system_attr,
            JournalOperation.DISCARD_TRIALS: lambda log: None,
        }

    # --- applying -------------------------------------------------------------------------------

    def apply(self, log: Any) -> None:
        """Apply the next operation of the log.

        Raises:
            JournalFormatError: ``log`` is not a valid operation (the state is left unchanged).
        """
        number = self.log_number_read
        try:
            handler = self._handlers[log["op_code"]]
            own = log["worker_id"].startswith(self.own_prefix) if self.own_prefix else False
            outcome = handler(log)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
            raise JournalFormatError(
                f"Journal log #{number} is not a valid operation ({type(err).__name__}: {err}): "
                f"{str(log)[:200]}. Remove that entry (or restore the log from a backup)."
            ) from None
        if own:
            self.outcomes.append(outcome)
            self.own_log_numbers.append(number)
        self.log_number_read = number + 1
        self.last_log = log

    def _distribution(self, text: str) -> BaseDistribution:
        dist = self._dist_cache.get(text)
        if dist is None:
            if not isinstance(text, str):
                raise TypeError(f"a distribution must be JSON text, got {type(text).__name__}")
            dist = json_to_distribution(text)
            self._dist_cache[text] = dist
        return dist

    def _create_study(self, log: dict[str, Any]) -> Any:
        name = log["study_name"]
        directions = [StudyDirection(d) for d in log["directions"]]
        if not isinstance(name, str) or not directions:
            raise ValueError("a study needs a name and at least one direction")
        if name in self.name_to_id:
            return DuplicatedStudyError(
                f"A study named {name!r} already exists. Pass load_if_exists=True to load it, or "
                "choose another name."
            )
        study_id = self.next_study_id
        self.next_study_id += 1
        self.studies[study_id] = StudyState(name, directions)
        self.name_to_id[name] = study_id
        return study_id

    def _study(self, study_id: Any) -> StudyState | None:
        if not isinstance(study_id, int):
            raise TypeError(f"study_id must be an integer, got {study_id!r}")
        return self.studies.get(study_id)

    def _delete_study(self, log: dict[str, Any]) -> Any:
        study_id = log["study_id"]
        study = self._study(study_id)
        if study is None:
            return KeyError(f"No study with id {study_id}.")
        for trial_id in study.trial_ids:
            self.trials.pop(trial_id, None)
            self.trial_study.pop(trial_id, None)
            self.heartbeats.pop(trial_id, None)
        del self.name_to_id[study.name]
        del self.studies[study_id]
        return None

    def _set_study_user_attr(self, log: dict[str, Any]) -> Any:
        return self._set_study_attr(log["study_id"], log["user_attr"], "user_attrs")

    def _set_study_system_attr(self, log: dict[str, Any]) -> Any:
        return self._set_study_attr(log["study_id"], log["system_attr"], "system_attrs")

    def _set_study_attr(self, study_id: Any, attr: dict[str, Any], field: str) -> Any:
        study = self._study(study_id)
        if not isinstance(attr, dict):
            raise TypeError("an attribute must be a JSON object")
        if study is None:
            return KeyError(f"No study with id {study_id}.")
        getattr(study, field).update(attr)
        return None

    def _create_trial(self, log: dict[str, Any]) -> Any:
        study_id = log["study_id"]
        study = self._study(study_id)
        if study is None:
            return KeyError(f"No study with id {study_id}.")
        distributions = {
            name: self._distribution(text) for name, text in log.get("distributions", {}).items()
        }
        params = {
            name: distributions[name].to_external_repr(value)
            for name, value in log.get("params", {}).items()
        }
        values = log.get("values")
        if values is None and log.get("value") is not None:
            values = [log["value"]]
        system_attrs = dict(log.get("system_attrs", {}))
        heartbeat = system_attrs.pop(HEARTBEAT_KEY, None)
        trial_id = self.next_trial_id
        trial = FrozenTrial(
            number=len(study.trial_ids),
            state=TrialState(log.get("state", TrialState.RUNNING)),
            value=None,
            values=None if values is None else [float(v) for v in values],
            datetime_start=parse_time(log["datetime_start"]),
            datetime_complete=parse_time(log.get("datetime_complete")),
            params=params,
            distributions=distributions,
            user_attrs=dict(log.get("user_attrs", {})),
            system_attrs=system_attrs,
            intermediate_values={
                int(step): float(v) for step, v in log.get("intermediate_values", {}).items()
            },
            trial_id=trial_id,
        )
        self.next_trial_id += 1
        self.trials[trial_id] = trial
        self.trial_study[trial_id] = study_id
        study.trial_ids.append(trial_id)
        for name, dist in distributions.items():
            study.distributions.setdefault(name, dist)
        if trial.state is TrialState.WAITING:
            study.waiting.add(trial_id)
        if heartbeat is not None and trial.state is TrialState.RUNNING:
            self.heartbeats[trial_id] = float(heartbeat)
        return trial_id

    def _updatable(self, log: dict[str, Any]) -> tuple[FrozenTrial | None, Any]:
        """The trial an operation updates, or ``None`` and the reason it is ignored."""
        trial_id = log["trial_id"]
        if not isinstance(trial_id, int):
            raise TypeError(f"trial_id must be an integer, got {trial_id!r}")
        trial = self.trials.get(trial_id)
        if trial is None:
            return None, KeyError(f"No trial with id {trial_id}.")
        if not _unfinished(trial.state):
            return None, UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished with state {trial.state.name} and "
                "can not be updated."
            )
        return trial, None

    def _set_trial_param(self, log: dict[str, Any]) -> Any:
        name = log["param_name"]
        distribution = self._distribution(log["distribution"])
        value = distribution.to_external_repr(log["param_value_internal"])
        trial, error = self._updatable(log)
        if trial is None:
            return error
        study = self.studies[self.trial_study[trial._trial_id]]
        known = study.distributions.get(name)
        if known is None:
            study.distributions[name] = distribution
        elif known != distribution:
            try:
                check_distribution_compatibility(known, distribution)
            except ValueError as err:
                return err
        trial._params[name] = value
        trial._distributions[name] = distribution
        return None

    def _set_trial_state_values(self, log: dict[str, Any]) -> Any:
        state = TrialState(log["state"])
        values = log["values"]
        trial, error = self._updatable(log)
        if trial is None:
            return error
        if state is TrialState.RUNNING and trial.state is TrialState.RUNNING:
            return False  # another worker claimed this WAITING trial first
        trial_id = trial._trial_id
        if state is TrialState.RUNNING:
            trial._datetime_start = parse_time(log["datetime_start"])
        elif state.is_finished():
            trial.datetime_complete = parse_time(log["datetime_complete"])
            self.heartbeats.pop(trial_id, None)
        if trial.state is TrialState.WAITING and state is not TrialState.WAITING:
            self.studies[self.trial_study[trial_id]].waiting.discard(trial_id)
        trial.state = state
        if values is not None:
            trial._values = [float(v) for v in values]
        return True

    def _set_intermediate_value(self, log: dict[str, Any]) -> Any:
        step = int(log["step"])
        value = float(log["intermediate_value"])
        trial, error = self._updatable(log)
        if trial is None:
            return error
        trial.intermediate_values[step] = value
        return None

    def _set_trial_user_attr(self, log: dict[str, Any]) -> Any:
        attr = log["user_attr"]
        if not isinstance(attr, dict):
            raise TypeError("an attribute must be a JSON object")
        trial, error = self._updatable(log)
        if trial is None:
            return error
        trial._user_attrs.update(attr)
        return None

    def _set_trial_system_attr(self, log: dict[str, Any]) -> Any:
        attr = log["system_attr"]
        if not isinstance(attr, dict):
            raise TypeError("an attribute must be a JSON object")
        trial, error = self._updatable(log)
        if trial is None:
            return error
        if HEARTBEAT_KEY in attr:
            attr = dict(attr)
            self.heartbeats[trial._trial_id] = float(attr.pop(HEARTBEAT_KEY))
        trial._system_attrs.update(attr)
        return None
