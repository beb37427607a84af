"""Studies shared by the terminator tests."""

from __future__ import annotations

from collections.abc import Sequence

import hpo
from hpo.distributions import FloatDistribution

# The terminator is deprecated (FutureWarning) and experimental (ExperimentalWarning), as in
# Optuna; the tests that check these warnings do so explicitly.
SILENCE = (
    "ignore:.*is experimental \\(supported from:Warning",
    "ignore:`(hpo|optuna).terminator` module has been deprecated:FutureWarning",
)


def quadratic(trial: hpo.Trial) -> float:
    return (trial.suggest_float("x", -5, 5) - 1.0) ** 2


def quadratic_3d(trial: hpo.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5, 5) - 1.0) ** 2 for i in range(3))


def tpe_study(n_trials: int, seed: int = 0) -> hpo.Study:
    """A 1-D quadratic ((x - 1)^2 on [-5, 5], optimum 0) optimised by TPE."""
    study = hpo.create_study(sampler=hpo.samplers.TPESampler(seed=seed))
    study.optimize(quadratic, n_trials=n_trials)
    return study


def study_with_values(values: Sequence[float | None], direction: str = "minimize") -> hpo.Study:
    """A study whose trials have ``values`` in order (``None``: a failed trial)."""
    study = hpo.create_study(direction=direction)
    for i, value in enumerate(values):
        state = hpo.trial.TrialState.FAIL if value is None else hpo.trial.TrialState.COMPLETE
        study.add_trial(
            hpo.trial.create_trial(
                state=state,
                value=value,
                params={"x": float(i)},
                distributions={"x": FloatDistribution(0, 100)},
            )
        )
    return study
