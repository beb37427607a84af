"""Finishing a trial: turn what the objective returned into a state and values, and store them."""

from __future__ import annotations

import datetime
import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hpo import logging
from hpo.exceptions import UpdateFinishedTrialError
from hpo.trial._state import TrialState
from hpo.trial._trial import Trial, _sampler_view

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)


def check_values(study: Study, values: Any) -> tuple[list[float] | None, str | None]:
    """Convert an objective's return value to floats, or explain why it is not acceptable."""
    n_objectives = len(study.directions)
    if isinstance(values, (list, tuple)):
        raw = list(values)
    elif (
        hasattr(values, "__len__") and hasattr(values, "__iter__") and not isinstance(values, str)
    ):
        try:
            raw = list(values)  # numpy arrays and other sequences
        except TypeError:
            raw = [values]  # 0-d arrays and scalar tensors have __len__ but do not iterate
    else:
        raw = [values]
    if len(raw) != n_objectives:
        return None, (
            f"The number of the values {len(raw)} did not match the number of the objectives "
            f"{n_objectives}: got {values!r}."
        )
    result = []
    for v in raw:
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            return None, (
                f"The value {v!r} could not be cast to float; the objective must return a number "
                f"(or {n_objectives} numbers)."
            )
        if math.isnan(f):
            return None, f"The objective returned NaN ({values!r})."
        result.append(f)
    return result, None


def _resolve(study: Study, trial: Trial | int) -> tuple[int, Trial | None]:
    if isinstance(trial, Trial):
        return trial._trial_id, trial
    if isinstance(trial, int) and not isinstance(trial, bool):
        try:
            return study._storage.get_trial_id_from_study_id_trial_number(
                study._study_id, trial
            ), (None)
        except KeyError:
            raise ValueError(
                f"Cannot tell trial number {trial}: the study has no such trial."
            ) from None
    raise TypeError(f"`trial` must be a Trial or a trial number (int), but got {trial!r}.")


def tell(
    study: Study,
    trial: Trial | int,
    values: float | Sequence[float] | None = None,
    state: TrialState | None = None,
    skip_if_finished: bool = False,
    suppress_warning: bool = False,
) -> FrozenTrial:
    """Finish a trial. Implements :meth:`Study.tell`; see there for the rules."""
    trial_id, trial_obj = _resolve(study, trial)
    frozen = (
        trial_obj._cached_frozen_trial
        if trial_obj is not None
        else study._storage.get_trial(trial_id)
    )

    if frozen.state.is_finished():
        if skip_if_finished:
            _logger.info(f"Trial {frozen.number} was already finished; tell() skipped it.")
            return frozen._copy()
        # ValueError, as Optuna raises here (callers catch ValueError).
        raise ValueError(
            f"Cannot tell trial {frozen.number}: it has already finished with state "
            f"{frozen.state.name}. Pass skip_if_finished=True to ignore finished trials."
        )
    if frozen.state is TrialState.WAITING:
        raise ValueError(f"Cannot tell trial {frozen.number}: it is WAITING and never started.")

    state_given = state is not None
    if state is None:
        state = TrialState.COMPLETE
    if state not in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
        raise ValueError(
            f"Cannot tell a trial with state {state!r}; use COMPLETE, PRUNED or FAIL."
        )

    stored_values: list[float] | None = None
    if state is TrialState.PRUNED:
        if values is not None:
            raise ValueError("Values cannot be told with state=PRUNED.")
        stored_values = _pruned_values(study, frozen)
    elif state is TrialState.COMPLETE:
        if values is None and state_given:
            raise ValueError("Values are required when state is TrialState.COMPLETE.")
        if values is None:
            stored_values, error = None, "the objective returned None: a number is expected."
        else:
            stored_values, error = check_values(study, values)
        if error is not None and state_given:
            raise ValueError(f"Cannot tell trial {frozen.number} as COMPLETE: {error}")
        if error is not None:
            message = f"Trial {frozen.number} failed, because {error}"
            if not suppress_warning:
                warnings.warn(message, stacklevel=3)
            else:
                _logger.warning(message)
            state = TrialState.FAIL
    elif values is not None:
        raise ValueError("Values cannot be told with state=FAIL.")

    finished_elsewhere = False
    try:
        study.sampler.after_trial(_sampler_view(study, frozen), frozen, state, stored_values)
    finally:
        try:
            study._storage.set_trial_state_values(trial_id, state, stored_values)
        except UpdateFinishedTrialError:
            # Told by number meanwhile, or failed as stale by another worker.
            finished_elsewhere = True
        study._stop_heartbeat(trial_id)
        study._clear_trial_cache()

    if finished_elsewhere:
        stored = study._storage.get_trial(trial_id)
        frozen.state = stored.state
        frozen._values = stored.values
        frozen.datetime_complete = stored.datetime_complete
        if skip_if_finished:
            return stored
        raise ValueError(
            f"Cannot tell trial {frozen.number}: it has already finished with state "
            f"{stored.state.name}. Pass skip_if_finished=True to ignore finished trials."
        )

    frozen.state = state
    frozen._values = stored_values
    frozen.datetime_complete = datetime.datetime.now()
    return frozen._copy()


def _pruned_values(study: Study, frozen: FrozenTrial) -> list[float] | None:
    if study._is_multi_objective() or not frozen.intermediate_values:
        return None
    last = frozen.intermediate_values[max(frozen.intermediate_values)]
    if last is None or math.isnan(last):
        return None
    return [float(last)]
