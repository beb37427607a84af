"""The storage contract every backend implements.

A storage keeps studies and their trials. Studies and trials are addressed by integer ids that are
unique within one storage. Trial *numbers* are unique and dense within a study (0, 1, 2, …) and are
assigned by the storage when the trial is created, also when many processes create trials at once.

Rules every backend follows (the conformance suite in ``tests/storages`` checks them):

* An unknown ``study_id`` or ``trial_id`` raises :class:`KeyError`.
* Creating a study whose name exists raises :class:`~hpo.exceptions.DuplicatedStudyError`.
* A finished trial (COMPLETE, PRUNED, FAIL) is immutable: every write to it raises
  :class:`~hpo.exceptions.UpdateFinishedTrialError`.
* ``set_trial_state_values(trial_id, RUNNING)`` on a WAITING trial is an atomic claim: when several
  workers race for one WAITING trial, exactly one call returns ``True``; the others get ``False``.
* Values stored in attributes are JSON-serialisable; backends that persist data store them as JSON.
"""

from __future__ import annotations

import abc
from collections.abc import Container, Sequence
from typing import TYPE_CHECKING, Any

from hpo.exceptions import UpdateFinishedTrialError
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.study._frozen import FrozenStudy
    from hpo.study._study_direction import StudyDirection
    from hpo.trial._frozen import FrozenTrial

DEFAULT_STUDY_NAME_PREFIX = "no-name-"


class BaseStorage(abc.ABC):
    """Base class of storages. Subclass it to add a backend; see the module docstring for the rules.

    Users normally pass a storage (or a URL) to :func:`hpo.create_study` rather than call these
    methods; samplers and pruners read trial history through them.
    """

    # --- studies ------------------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        """Create a study and return its id.

        Args:
            directions: One direction per objective.
            study_name: A unique name; ``None`` generates ``"no-name-<uuid>"``.

        Raises:
            DuplicatedStudyError: A study named ``study_name`` already exists.
        """

    @abc.abstractmethod
    def delete_study(self, study_id: int) -> None:
        """Delete a study and all its trials.

        Raises:
            KeyError: No study has this id.
        """

    @abc.abstractmethod
    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a user attribute (JSON-serialisable) of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        """Set a system attribute (JSON-serialisable) of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_study_id_from_name(self, study_name: str) -> int:
        """Return the id of the study named ``study_name``. Raises KeyError if there is none."""

    @abc.abstractmethod
    def get_study_name_from_id(self, study_id: int) -> str:
        """Return the name of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        """Return the directions of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        """Return the user attributes of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        """Return the system attributes of a study. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_all_studies(self) -> list[FrozenStudy]:
        """Return every study in the storage, in creation order."""

    # --- trials: writes -----------------------------------------------------------------------

    @abc.abstractmethod
    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        """Create a trial in a study and return its id.

        Without a template the trial is RUNNING and starts now. With a template the new trial
        copies its state, values, times, parameters, attributes and intermediate values (this is
        how ``enqueue_trial`` and ``add_trial`` store trials). The number is assigned here.

        Raises:
            KeyError: No study has this id.
        """

    @abc.abstractmethod
    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        """Store a parameter's internal value and distribution.

        Raises:
            KeyError: No trial has this id.
            UpdateFinishedTrialError: The trial has finished.
            ValueError: The parameter was set in another trial of the study with an incompatible
                distribution.
        """

    @abc.abstractmethod
    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        """Return the id of trial ``trial_number`` of a study. Raises KeyError if there is none."""

    def get_trial_number_from_id(self, trial_id: int) -> int:
        """Return a trial's number. Raises KeyError for an unknown id."""
        return self.get_trial(trial_id).number

    def get_trial_param(self, trial_id: int, param_name: str) -> float:
        """Return a parameter's internal value. Raises KeyError for an unknown trial or name."""
        trial = self.get_trial(trial_id)
        return trial.distributions[param_name].to_internal_repr(trial.params[param_name])

    @abc.abstractmethod
    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        """Change a trial's state, and set its values when given.

        Moving to RUNNING sets ``datetime_start``; moving to a finished state sets
        ``datetime_complete``. Moving a WAITING trial to RUNNING is an atomic claim.

        Returns:
            ``True`` if the state changed; ``False`` if the trial is RUNNING already and ``state``
            is RUNNING (another worker claimed it first).

        Raises:
            KeyError: No trial has this id.
            UpdateFinishedTrialError: The trial has finished.
        """

    @abc.abstractmethod
    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        """Store an intermediate value at ``step`` (overwriting an earlier one at that step).

        Raises:
            KeyError: No trial has this id.
            UpdateFinishedTrialError: The trial has finished.
        """

    @abc.abstractmethod
    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a user attribute of a trial. Raises KeyError / UpdateFinishedTrialError."""

    @abc.abstractmethod
    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        """Set a system attribute of a trial. Raises KeyError / UpdateFinishedTrialError."""

    # --- trials: reads ------------------------------------------------------------------------

    @abc.abstractmethod
    def get_trial(self, trial_id: int) -> FrozenTrial:
        """Return a trial. Raises KeyError for an unknown id."""

    @abc.abstractmethod
    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        """Return a study's trials ordered by number, optionally only those in ``states``.

        With ``deepcopy=False`` the storage may return objects it keeps internally; callers must
        not modify them. Samplers and pruners read with ``deepcopy=False``.

        Raises:
            KeyError: No study has this id.
        """

    def get_n_trials(
        self, study_id: int, state: tuple[TrialState, ...] | TrialState | None = None
    ) -> int:
        """Count a study's trials, optionally only those in ``state``."""
        if isinstance(state, TrialState):
            state = (state,)
        return len(self.get_all_trials(study_id, deepcopy=False, states=state))

    def get_best_trial(self, study_id: int) -> FrozenTrial:
        """Return the best COMPLETE trial of a single-objective study.

        Raises:
            RuntimeError: The study has several objectives.
            ValueError: No trial is complete yet.
        """
        from hpo.study._study_direction import StudyDirection

        directions = self.get_study_directions(study_id)
        if len(directions) > 1:
            raise RuntimeError(
                "The best trial of a multi-objective study is undefined; use `best_trials`."
            )
        completed = self.get_all_trials(study_id, deepcopy=False, states=(TrialState.COMPLETE,))
        if not completed:
            raise ValueError("No trials are completed yet.")
        key = lambda t: t.values[0]
        if directions[0] is StudyDirection.MAXIMIZE:
            best = max(completed, key=key)
        else:
            best = min(completed, key=key)
        return self.get_trial(best._trial_id)

    def get_trial_params(self, trial_id: int) -> dict[str, Any]:
        """Return a trial's parameters (external values)."""
        return self.get_trial(trial_id).params

    def get_trial_user_attrs(self, trial_id: int) -> dict[str, Any]:
        """Return a trial's user attributes."""
        return self.get_trial(trial_id).user_attrs

    def get_trial_system_attrs(self, trial_id: int) -> dict[str, Any]:
        """Return a trial's system attributes."""
        return self.get_trial(trial_id).system_attrs

    def remove_session(self) -> None:
        """Release per-thread resources (connections); a no-op where there are none."""

    def check_trial_is_updatable(self, trial_id: int, trial_state: TrialState) -> None:
        """Raise :class:`UpdateFinishedTrialError` if ``trial_state`` is finished."""
        if trial_state.is_finished():
            trial = self.get_trial(trial_id)
            raise UpdateFinishedTrialError(
                f"Trial#{trial.number} has already finished with state {trial.state.name} and "
                "can not be updated."
            )
