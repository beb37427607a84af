"""Copy an Optuna study's trials into an hpo study, to compare results on identical data."""

from __future__ import annotations

from typing import Any

import hpo


def copy_optuna_study(study: Any) -> hpo.Study:
    """An in-memory hpo study with the same directions, metric names and finished trials."""
    import optuna

    copy = hpo.create_study(
        directions=[d.name.lower() for d in study.directions], study_name=study.study_name
    )
    if study.metric_names:
        copy.set_metric_names(list(study.metric_names))
    for trial in study.get_trials(deepcopy=False):
        distributions = {
            name: hpo.distributions.json_to_distribution(
                optuna.distributions.distribution_to_json(dist)
            )
            for name, dist in trial.distributions.items()
        }
        complete = trial.state == optuna.trial.TrialState.COMPLETE
        copy.add_trial(
            hpo.trial.create_trial(
                state=hpo.trial.TrialState[trial.state.name],
                values=trial.values if complete else None,
                params=trial.params,
                distributions=distributions,
                user_attrs=trial.user_attrs,
                system_attrs=trial.system_attrs,
                intermediate_values=trial.intermediate_values,
            )
        )
    return copy
