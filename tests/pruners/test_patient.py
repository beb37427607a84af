from __future__ import annotations

import math

import pytest

from hpo.exceptions import ExperimentalWarning
from hpo.pruners import BasePruner, MedianPruner, PatientPruner
from tests.pruners.helpers import decide, running, study_with

NAN = math.nan
CASES = [
    # (id, patience, min_delta, direction, reports, expected)
    ("too few steps", 2, 0.0, "minimize", {0: 1.0, 1: 2.0, 2: 3.0}, False),
    # patience 2: compare best of steps[:-3] with best of the last 3 steps.
    ("no improvement", 2, 0.0, "minimize", {0: 1.0, 1: 2.0, 2: 2.0, 3: 2.0}, True),
    ("improved in window", 2, 0.0, "minimize", {0: 1.0, 1: 2.0, 2: 0.9, 3: 2.0}, False),
    ("equal is not stalled", 2, 0.0, "minimize", {0: 1.0, 1: 1.0, 2: 2.0, 3: 2.0}, False),
    ("min_delta forgives small loss", 2, 0.5, "minimize", {0: 1.0, 1: 1.4, 2: 1.4, 3: 1.4}, False),
    ("min_delta exceeded", 2, 0.5, "minimize", {0: 1.0, 1: 1.6, 2: 1.6, 3: 1.6}, True),
    ("maximize stalled", 1, 0.0, "maximize", {0: 3.0, 1: 2.0, 2: 2.5}, True),
    ("maximize improved", 1, 0.0, "maximize", {0: 3.0, 1: 2.0, 2: 3.5}, False),
    ("patience 0 compares the last step", 0, 0.0, "minimize", {0: 1.0, 1: 1.5}, True),
    ("NaN ignored in windows", 1, 0.0, "minimize", {0: 1.0, 1: NAN, 2: 2.0, 3: NAN}, True),
    ("all-NaN window never prunes", 1, 0.0, "minimize", {0: 1.0, 1: 2.0, 2: NAN, 3: NAN}, False),
    ("steps sorted, not report order", 1, 0.0, "minimize", {2: 5.0, 0: 1.0, 1: 5.0}, True),
]


@pytest.mark.parametrize(
    "patience, min_delta, direction, reports, expected",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_patient_without_wrapped_pruner(
    patience: int, min_delta: float, direction: str, reports: dict, expected: bool
) -> None:
    with pytest.warns(ExperimentalWarning):
        pruner = PatientPruner(None, patience=patience, min_delta=min_delta)
    study = study_with([], pruner, direction)
    assert decide(study, reports) is expected


class _Recorder(BasePruner):
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.calls = 0

    def prune(self, study, trial) -> bool:  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.answer


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_wrapped_pruner_is_asked_only_when_stalled() -> None:
    inner = _Recorder(False)
    study = study_with([], PatientPruner(inner, patience=1))
    assert decide(study, {0: 1.0, 1: 2.0, 2: 2.0}) is False  # stalled, inner says no
    assert inner.calls == 1
    assert decide(study, {0: 3.0, 1: 2.0, 2: 1.0}) is False  # improving: inner not asked
    assert inner.calls == 1
    inner.answer = True
    assert decide(study, {0: 1.0, 1: 2.0, 2: 2.0}) is True
    assert inner.calls == 2


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_wrapping_median_pruner() -> None:
    history = [{0: 1.0, 1: 1.0, 2: 1.0}] * 3
    study = study_with(history, PatientPruner(MedianPruner(n_startup_trials=0), patience=1))
    assert running(study, {0: 2.0, 1: 3.0, 2: 3.0}).should_prune() is True  # stalled and bad
    assert running(study, {0: 0.5, 1: 3.0, 2: 3.0}).should_prune() is False  # stalled, good best


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
@pytest.mark.parametrize(
    "kwargs, name",
    [({"patience": -1}, "patience"), ({"patience": 1, "min_delta": -0.1}, "min_delta")],
)
def test_invalid_arguments(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        PatientPruner(None, **kwargs)
