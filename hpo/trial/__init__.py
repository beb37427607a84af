"""Trials: the objective function's view of one evaluation, and stored snapshots of trials."""

from hpo.trial._base import BaseTrial
from hpo.trial._fixed import FixedTrial
from hpo.trial._frozen import FrozenTrial, create_trial
from hpo.trial._state import TrialState
from hpo.trial._trial import Trial

__all__ = ["BaseTrial", "FixedTrial", "FrozenTrial", "Trial", "TrialState", "create_trial"]
