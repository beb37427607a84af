from __future__ import annotations

import enum


class TrialState(enum.IntEnum):
    """State of a trial.

    ``RUNNING`` trials are being evaluated, ``WAITING`` trials were enqueued and wait for a worker,
    and ``COMPLETE``, ``PRUNED`` and ``FAIL`` trials are finished (and immutable).
    """

    RUNNING = 0
    COMPLETE = 1
    PRUNED = 2
    FAIL = 3
    WAITING = 4

    __str__ = enum.Enum.__str__  # "TrialState.COMPLETE", not "1"

    def is_finished(self) -> bool:
        """Return whether the state is COMPLETE, PRUNED or FAIL."""
        return self is not TrialState.RUNNING and self is not TrialState.WAITING
