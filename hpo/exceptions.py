"""Exceptions raised by hpo. Names and hierarchy match Optuna's."""

from __future__ import annotations


class OptunaError(Exception):
    """Base class for hpo's own errors."""


class TrialPruned(OptunaError):
    """Raised from an objective function to tell hpo the trial was pruned.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     trial.report(1.0, step=0)
        ...     if trial.should_prune():
        ...         raise hpo.TrialPruned()
        ...     return 1.0
    """


class CLIUsageError(OptunaError):
    """The command line was used incorrectly."""


class StorageInternalError(OptunaError):
    """A storage backend failed in a way the caller cannot fix by changing arguments."""


class DuplicatedStudyError(OptunaError):
    """A study with the requested name already exists."""


class UpdateFinishedTrialError(OptunaError, RuntimeError):
    """An attempt was made to change a trial that has already finished."""


class ExperimentalWarning(Warning):
    """Warns that a feature is experimental and may change without a deprecation cycle."""
