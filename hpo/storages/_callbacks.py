"""Callbacks for trials failed by the heartbeat mechanism."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpo._deprecated import deprecated_class
from hpo.trial._frozen import create_trial
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_FAILED_TRIAL_KEY = "failed_trial"
_RETRY_HISTORY_KEY = "retry_history"


class RetryHeartbeatStaleTrialCallback:
    """Re-enqueue a trial whose worker died, as a WAITING trial with the same parameters.

    Args:
        max_retry: How often one original trial may be retried; ``None`` means no limit.
        inherit_intermediate_values: Copy the failed trial's intermediate values to the retry.

    Example:
        >>> import hpo
        >>> storage = hpo.storages.RDBStorage(
        ...     "sqlite:///example.db", heartbeat_interval=60, grace_period=120,
        ...     heartbeat_stale_trial_callback=hpo.storages.RetryHeartbeatStaleTrialCallback(3),
        ... )  # doctest: +SKIP
    """

    def __init__(
        self, max_retry: int | None = None, inherit_intermediate_values: bool = False
    ) -> None:
        if max_retry is not None and max_retry < 0:
            raise ValueError(f"`max_retry` must be None or >= 0, but got {max_retry}.")
        self._max_retry = max_retry
        self._inherit_intermediate_values = inherit_intermediate_values

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        system_attrs = {
            _FAILED_TRIAL_KEY: trial.system_attrs.get(_FAILED_TRIAL_KEY, trial.number),
            _RETRY_HISTORY_KEY: [],
        }
        if self._max_retry is not None:
            if self._max_retry < len(trial.system_attrs.get(_RETRY_HISTORY_KEY, [])) + 1:
                return
        system_attrs[_RETRY_HISTORY_KEY] = list(trial.system_attrs.get(_RETRY_HISTORY_KEY, []))
        system_attrs[_RETRY_HISTORY_KEY].append(trial.number)
        study.add_trial(
            create_trial(
                state=TrialState.WAITING,
                params=trial.params,
                distributions=trial.distributions,
                user_attrs=trial.user_attrs,
                system_attrs=system_attrs,
                intermediate_values=(
                    trial.intermediate_values if self._inherit_intermediate_values else None
                ),
            )
        )

    @staticmethod
    def retried_trial_number(trial: FrozenTrial) -> int | None:
        """Number of the original trial this one retries, or ``None``."""
        return trial.system_attrs.get(_FAILED_TRIAL_KEY, None)

    @staticmethod
    def retry_history(trial: FrozenTrial) -> list[int]:
        """Numbers of the trials this one retries, oldest first."""
        return list(trial.system_attrs.get(_RETRY_HISTORY_KEY, []))


@deprecated_class("4.9.0", "6.0.0", text="Use RetryHeartbeatStaleTrialCallback instead.")
class RetryFailedTrialCallback(RetryHeartbeatStaleTrialCallback):
    """Deprecated alias of :class:`RetryHeartbeatStaleTrialCallback`."""
