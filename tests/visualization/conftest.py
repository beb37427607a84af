"""Fixtures for the plot tests: studies with known trials, and captured hpo log records."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

pytest.importorskip("plotly")

SPACE = {
    "x": FloatDistribution(-5, 5),
    "lr": FloatDistribution(1e-4, 1.0, log=True),
    "n": IntDistribution(1, 8),
    "kind": CategoricalDistribution(["a", "b", "c"]),
}


@pytest.fixture
def hpo_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """``caplog`` that also receives hpo's records (hpo's logger does not propagate)."""
    hpo.logging.enable_propagation()
    caplog.set_level("WARNING")
    try:
        yield caplog
    finally:
        hpo.logging.disable_propagation()


def objective(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    n = trial.suggest_int("n", 1, 8)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    for step in range(3):
        trial.report(x**2 / (step + 1), step)
    return x**2 + lr + n + (kind == "b")


@pytest.fixture
def study() -> hpo.Study:
    """20 completed trials over four parameters, each with three intermediate values."""
    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=20)
    return study


@pytest.fixture
def two_objective_study() -> hpo.Study:
    study = hpo.create_study(
        directions=["minimize", "maximize"], sampler=hpo.samplers.RandomSampler(seed=1)
    )
    study.optimize(
        lambda t: (
            t.suggest_float("x", 0, 1),
            t.suggest_float("y", 0, 1) + t.suggest_int("n", 0, 3),
        ),
        n_trials=30,
    )
    return study


def add_trial(study: hpo.Study, value: float, constraint: float | None = None, **params) -> None:
    """Add a completed trial with the given params (from SPACE) and optional constraint."""
    study.add_trial(
        hpo.trial.create_trial(
            value=value,
            params=params,
            distributions={name: SPACE[name] for name in params},
            system_attrs={} if constraint is None else {"constraints": [constraint]},
        )
    )
