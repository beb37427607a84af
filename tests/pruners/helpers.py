"""Build studies with hand-written trial histories for pruner tests."""

from __future__ import annotations

import hpo
from hpo.pruners import BasePruner
from hpo.trial import TrialState, create_trial


def study_with(
    completed: list[dict[int, float]],
    pruner: BasePruner,
    direction: str = "minimize",
    *,
    pruned: list[dict[int, float]] = (),
    storage: hpo.storages.BaseStorage | None = None,
    study_name: str | None = None,
) -> hpo.Study:
    """A study whose COMPLETE trials reported ``completed`` (final value 0.0) and whose PRUNED
    trials reported ``pruned``."""
    study = hpo.create_study(
        direction=direction, pruner=pruner, storage=storage, study_name=study_name
    )
    for values in completed:
        study.add_trial(create_trial(value=0.0, intermediate_values=values))
    for values in pruned:
        study.add_trial(create_trial(state=TrialState.PRUNED, intermediate_values=values))
    return study


def running(study: hpo.Study, values: dict[int, float]) -> hpo.Trial:
    """A new RUNNING trial of ``study`` that reported ``values`` in order."""
    trial = study.ask()
    for step, value in values.items():
        trial.report(value, step)
    return trial


def decide(study: hpo.Study, values: dict[int, float]) -> bool:
    """``should_prune`` of a new trial that reported ``values``."""
    return running(study, values).should_prune()
