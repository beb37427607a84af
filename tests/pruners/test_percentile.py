"""MedianPruner and PercentilePruner on hand-computed histories.

Completed trials (``HISTORY``) and the per-step statistics the tables rely on:

    step:        0     1     2
    A          1.0   2.0   3.0
    B          2.0   4.0   5.0
    C          3.0   6.0    -
    median     2.0   4.0   4.0     (step 2: median of 3.0 and 5.0)
    25th pct   1.5   3.0   3.5     (linear interpolation: step 0 -> 1 + 0.5 * (2 - 1))
    75th pct   2.5   5.0   4.5
"""

from __future__ import annotations

import math

import pytest

from hpo.pruners import MedianPruner, PercentilePruner
from hpo.trial import create_trial
from tests.pruners.helpers import decide, running, study_with

NAN = math.nan
HISTORY = [{0: 1.0, 1: 2.0, 2: 3.0}, {0: 2.0, 1: 4.0, 2: 5.0}, {0: 3.0, 1: 6.0}]

MEDIAN_CASES = [
    # (id, pruner kwargs, direction, reports of the current trial, expected)
    ("worse than median", {}, "minimize", {0: 2.5}, True),
    ("equal to median is kept", {}, "minimize", {0: 2.0}, False),
    ("better than median", {}, "minimize", {0: 1.5}, False),
    ("best over steps, not latest", {}, "minimize", {0: 1.0, 1: 5.0}, False),
    ("best over steps still worse", {}, "minimize", {0: 4.5, 1: 4.1}, True),
    ("step 2 median of two", {}, "minimize", {0: 0.0, 1: 0.0, 2: 0.0}, False),
    ("step 2 median of two, worse", {}, "minimize", {0: 4.2, 1: 4.2, 2: 4.1}, True),
    ("maximize worse", {}, "maximize", {0: 1.5}, True),
    ("maximize equal kept", {}, "maximize", {0: 2.0}, False),
    ("maximize best over steps", {}, "maximize", {0: 1.0, 1: 4.5}, False),
    ("all NaN is pruned", {}, "minimize", {0: NAN}, True),
    ("all NaN is pruned (maximize)", {}, "maximize", {0: NAN, 1: NAN}, True),
    ("NaN ignored in own best, worse", {}, "minimize", {0: NAN, 1: 4.5}, True),
    ("NaN ignored in own best, better", {}, "minimize", {0: NAN, 1: 3.0}, False),
    ("no completed trial reported this step", {}, "minimize", {7: 100.0}, False),
    ("startup: 4 needed, 3 complete", {"n_startup_trials": 4}, "minimize", {0: 9.0}, False),
    ("startup: 3 needed, 3 complete", {"n_startup_trials": 3}, "minimize", {0: 9.0}, True),
    ("warm-up blocks step 0", {"n_warmup_steps": 1}, "minimize", {0: 9.0}, False),
    ("warm-up over at step 1", {"n_warmup_steps": 1}, "minimize", {0: 9.0, 1: 9.0}, True),
    # interval_steps=2, no warm-up: checks at steps 0, 2, 4, ...
    (
        "interval: step 1 is between checks",
        {"interval_steps": 2},
        "minimize",
        {0: 1.0, 1: 9.0},
        False,
    ),
    (
        "interval: step 2 is a check",
        {"interval_steps": 2},
        "minimize",
        {0: 1.0, 1: 1.0, 2: 9.0},
        False,
    ),  # best over steps is 1.0 <= 4.0
    (
        "interval: step 2 check, worse",
        {"interval_steps": 2},
        "minimize",
        {0: 9.0, 1: 9.0, 2: 9.0},
        True,
    ),
    (
        "interval: step 0 skipped, check postponed to 1",
        {"interval_steps": 2},
        "minimize",
        {1: 9.0},
        True,
    ),
    ("interval 3: postponed check at 1", {"interval_steps": 3}, "minimize", {1: 9.0}, True),
    (
        "interval 3: postponed check done already",
        {"interval_steps": 3},
        "minimize",
        {1: 9.0, 2: 9.0},
        False,
    ),
    # warm-up 1 and interval 2: checks at 1, 3, 5, ...
    (
        "warm-up+interval: check at 1",
        {"n_warmup_steps": 1, "interval_steps": 2},
        "minimize",
        {0: 9.0, 1: 9.0},
        True,
    ),
    (
        "warm-up+interval: 2 is not a check",
        {"n_warmup_steps": 1, "interval_steps": 2},
        "minimize",
        {0: 9.0, 1: 9.0, 2: 9.0},
        False,
    ),
    (
        "n_min_trials: step 2 has 2 reports",
        {"n_min_trials": 3},
        "minimize",
        {0: 0.0, 1: 0.0, 2: 9.0},
        False,
    ),
    ("n_min_trials: step 0 has 3 reports", {"n_min_trials": 3}, "minimize", {0: 9.0}, True),
    ("n_min_trials: step 0 needs 4", {"n_min_trials": 4}, "minimize", {0: 9.0}, False),
]


@pytest.mark.parametrize(
    "kwargs, direction, reports, expected",
    [c[1:] for c in MEDIAN_CASES],
    ids=[c[0] for c in MEDIAN_CASES],
)
def test_median_table(kwargs: dict, direction: str, reports: dict, expected: bool) -> None:
    kwargs = {"n_startup_trials": 0, **kwargs}
    study = study_with(HISTORY, MedianPruner(**kwargs), direction)
    assert decide(study, reports) is expected


PERCENTILE_CASES = [
    ("25th minimize worse", 25.0, "minimize", {0: 1.6}, True),
    ("25th minimize at threshold", 25.0, "minimize", {0: 1.5}, False),
    ("25th maximize uses 75th", 25.0, "maximize", {0: 2.4}, True),
    ("25th maximize kept", 25.0, "maximize", {0: 2.6}, False),
    ("75th minimize", 75.0, "minimize", {0: 2.4}, False),
    ("75th minimize worse", 75.0, "minimize", {0: 2.6}, True),
    ("0th keeps only the best", 0.0, "minimize", {0: 1.01}, True),
    ("100th prunes only the worst", 100.0, "minimize", {0: 2.99}, False),
    ("100th prunes beyond the worst", 100.0, "minimize", {0: 3.01}, True),
    ("step 1 of 25th, minimize", 25.0, "minimize", {0: 9.0, 1: 3.1}, True),
    ("step 2 of 75th, maximize (25th = 3.5)", 75.0, "maximize", {0: 0.0, 1: 0.0, 2: 3.4}, True),
]


@pytest.mark.parametrize(
    "percentile, direction, reports, expected",
    [c[1:] for c in PERCENTILE_CASES],
    ids=[c[0] for c in PERCENTILE_CASES],
)
def test_percentile_table(
    percentile: float, direction: str, reports: dict, expected: bool
) -> None:
    study = study_with(HISTORY, PercentilePruner(percentile, n_startup_trials=0), direction)
    assert decide(study, reports) is expected


def test_nan_reports_of_completed_trials_are_ignored_but_counted_for_n_min_trials() -> None:
    # Step 0 values: 1.0, 2.0, 3.0 and NaN -> median of the numbers is still 2.0.
    history = [*HISTORY, {0: NAN}]
    study = study_with(history, MedianPruner(n_startup_trials=0, n_min_trials=4))
    assert decide(study, {0: 2.1}) is True
    assert decide(study, {0: 2.0}) is False


def test_all_nan_at_step_does_not_prune() -> None:
    study = study_with([{0: NAN}, {0: NAN}], MedianPruner(n_startup_trials=0))
    assert decide(study, {0: 100.0}) is False


def test_pruned_and_running_trials_are_not_compared_or_counted() -> None:
    # Only A..C are COMPLETE; a PRUNED trial with a low value must not move the median, and it
    # does not count towards n_startup_trials.
    study = study_with(
        HISTORY, MedianPruner(n_startup_trials=4), pruned=[{0: -100.0}, {0: -100.0}]
    )
    running(study, {0: -50.0})  # a running trial is not compared either
    assert decide(study, {0: 9.0}) is False  # 3 complete < 4
    study = study_with(HISTORY, MedianPruner(n_startup_trials=3), pruned=[{0: -100.0}] * 3)
    assert decide(study, {0: 2.5}) is True  # median 2.0 from A..C only


def test_no_completed_trials_and_no_reports_do_not_prune() -> None:
    study = study_with([], MedianPruner(n_startup_trials=0))
    assert decide(study, {0: 1e9}) is False
    study = study_with(HISTORY, MedianPruner(n_startup_trials=0))
    assert decide(study, {}) is False


def test_new_completions_are_seen_by_the_next_call() -> None:
    study = study_with(HISTORY, MedianPruner(n_startup_trials=0))
    trial = running(study, {0: 2.5})
    assert trial.should_prune() is True  # median 2.0
    for _ in range(3):
        study.add_trial(create_trial(value=0.0, intermediate_values={0: 10.0}))
    # Step 0 values: 1, 2, 3, 10, 10, 10 -> median 6.5.
    assert trial.should_prune() is False


def test_decisions_do_not_depend_on_report_order() -> None:
    study = study_with(HISTORY, MedianPruner(n_startup_trials=0))
    trial = study.ask()
    trial.report(9.0, 1)
    trial.report(9.0, 0)  # an earlier step reported later: last_step is still 1
    assert trial.should_prune() is True  # 9.0 > median 4.0 at step 1


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"percentile": -0.1}, "percentile"),
        ({"percentile": 100.1}, "percentile"),
        ({"percentile": 50, "n_startup_trials": -1}, "n_startup_trials"),
        ({"percentile": 50, "n_warmup_steps": -1}, "n_warmup_steps"),
        ({"percentile": 50, "interval_steps": 0}, "interval_steps"),
        ({"percentile": 50, "n_min_trials": 0}, "n_min_trials"),
    ],
)
def test_invalid_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        PercentilePruner(**kwargs)


def test_median_is_percentile_50_with_same_arguments() -> None:
    pruner = MedianPruner(3, 2, 4, n_min_trials=5)
    assert pruner._percentile == 50.0
    assert (pruner._n_startup_trials, pruner._n_warmup_steps) == (3, 2)
    assert (pruner._interval_steps, pruner._n_min_trials) == (4, 5)
    with pytest.raises(ValueError, match="n_min_trials"):
        MedianPruner(n_min_trials=0)
