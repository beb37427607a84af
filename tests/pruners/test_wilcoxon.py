"""WilcoxonPruner against the best trial.

With ``d`` distinct non-zero differences that all point the same way, the exact one-sided
signed-rank p-value is ``1 / 2**d``: 0.25, 0.125, 0.0625 for d = 2, 3, 4.
"""

from __future__ import annotations

import math

import pytest

from hpo.exceptions import ExperimentalWarning
from hpo.pruners import WilcoxonPruner
from tests.pruners.helpers import decide, study_with

pytestmark = pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")

BEST = {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}
CASES = [
    # (id, pruner kwargs, direction, best trial reports, current reports, expected)
    ("two worse steps: p=0.25", {}, "minimize", BEST, {0: 1.0, 1: 2.0}, False),
    ("three worse steps: p=0.125", {}, "minimize", BEST, {0: 1.0, 1: 2.0, 2: 3.0}, False),
    (
        "three, p_threshold 0.2",
        {"p_threshold": 0.2},
        "minimize",
        BEST,
        {0: 1.0, 1: 2.0, 2: 3.0},
        True,
    ),
    ("four worse steps: p=0.0625", {}, "minimize", BEST, {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}, True),
    ("four better steps", {}, "minimize", BEST, {0: -1.0, 1: -2.0, 2: -3.0, 3: -4.0}, False),
    (
        "n_startup_steps 5",
        {"n_startup_steps": 5},
        "minimize",
        BEST,
        {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0},
        False,
    ),
    ("one step never prunes", {"p_threshold": 1.0}, "minimize", BEST, {0: 1.0}, False),
    ("maximize: lower is worse", {}, "maximize", BEST, {0: -1.0, 1: -2.0, 2: -3.0, 3: -4.0}, True),
    ("maximize: higher is better", {}, "maximize", BEST, {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0}, False),
    # Significant, but the best trial's average (20) is worse than the current one's (2.5).
    (
        "average safety net",
        {},
        "minimize",
        {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 100.0},
        {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0},
        False,
    ),
    ("report order does not matter", {}, "minimize", BEST, {3: 4.0, 1: 2.0, 0: 1.0, 2: 3.0}, True),
    ("no reports", {}, "minimize", BEST, {}, False),
]


@pytest.mark.parametrize(
    "kwargs, direction, best, reports, expected",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_wilcoxon_table(
    kwargs: dict, direction: str, best: dict, reports: dict, expected: bool
) -> None:
    study = study_with([best], WilcoxonPruner(**kwargs), direction)
    assert decide(study, reports) is expected


def test_no_completed_trial_does_not_prune() -> None:
    study = study_with([], WilcoxonPruner(p_threshold=1.0))
    assert decide(study, {0: 1.0, 1: 2.0, 2: 3.0}) is False


@pytest.mark.parametrize(
    "best, reports, match",
    [
        (BEST, {0: 1.0, 1: math.nan, 2: 3.0, 3: 4.0}, "Trial 1"),
        (BEST, {0: 1.0, 1: math.inf, 2: 3.0, 3: 4.0}, "Trial 1"),
        ({0: 0.0, 1: math.nan}, {0: 1.0, 1: 2.0, 2: 3.0}, "best trial"),
        ({}, {0: 1.0, 1: 2.0, 2: 3.0}, "no intermediate values"),
    ],
)
def test_non_finite_or_missing_values_warn_and_do_not_prune(
    best: dict, reports: dict, match: str
) -> None:
    study = study_with([best], WilcoxonPruner(p_threshold=1.0))
    with pytest.warns(UserWarning, match=match):
        assert decide(study, reports) is False


def test_steps_missing_from_the_best_trial_are_ignored_with_a_warning() -> None:
    study = study_with([{0: 0.0, 1: 0.0, 2: 0.0, 3: 0.0}], WilcoxonPruner())
    with pytest.warns(UserWarning, match="ignored"):
        # Steps 0..3 pair up (p = 0.0625); step 9 is ignored.
        assert decide(study, {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0, 9: 0.0}) is True


def test_is_experimental_and_validates_arguments() -> None:
    with pytest.warns(ExperimentalWarning):
        WilcoxonPruner()
    with pytest.raises(ValueError, match="p_threshold"):
        WilcoxonPruner(p_threshold=1.5)
    with pytest.raises(ValueError, match="n_startup_steps"):
        WilcoxonPruner(n_startup_steps=-1)
