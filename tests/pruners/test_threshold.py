from __future__ import annotations

import math

import pytest

from hpo.pruners import ThresholdPruner
from tests.pruners.helpers import decide, study_with

NAN = math.nan
CASES = [
    # (id, pruner kwargs, reports, expected)
    ("inside", {"lower": 0.0, "upper": 1.0}, {0: 0.5}, False),
    ("on the bounds is inside", {"lower": 0.0, "upper": 1.0}, {0: 1.0}, False),
    ("above upper", {"upper": 1.0}, {0: 1.01}, True),
    ("below lower", {"lower": 0.0}, {0: -0.01}, True),
    ("only the latest value counts", {"upper": 1.0}, {0: 5.0, 1: 0.5}, False),
    ("latest is the largest step", {"upper": 1.0}, {1: 5.0, 0: 0.5}, True),
    ("NaN is pruned", {"upper": 1.0}, {0: NAN}, True),
    ("inf above upper", {"upper": 1.0}, {0: math.inf}, True),
    ("no upper bound", {"lower": 0.0}, {0: 1e300}, False),
    ("warm-up", {"upper": 1.0, "n_warmup_steps": 2}, {0: 5.0, 1: 5.0}, False),
    ("after warm-up", {"upper": 1.0, "n_warmup_steps": 2}, {0: 5.0, 1: 5.0, 2: 5.0}, True),
    # warm-up 1, interval 2: checks at 1, 3, 5, ...
    (
        "between checks",
        {"upper": 1.0, "n_warmup_steps": 1, "interval_steps": 2},
        {1: 0.0, 2: 5.0},
        False,
    ),
    (
        "at a check",
        {"upper": 1.0, "n_warmup_steps": 1, "interval_steps": 2},
        {1: 0.0, 2: 0.0, 3: 5.0},
        True,
    ),
    (
        "postponed check",
        {"upper": 1.0, "n_warmup_steps": 1, "interval_steps": 2},
        {1: 0.0, 4: 5.0},
        True,
    ),
    ("no reports", {"upper": 1.0}, {}, False),
]


@pytest.mark.parametrize(
    "kwargs, reports, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_threshold_table(kwargs: dict, reports: dict, expected: bool, direction: str) -> None:
    # Bounds do not depend on the direction, and no other trial is needed.
    study = study_with([], ThresholdPruner(**kwargs), direction)
    assert decide(study, reports) is expected


def test_bounds_accept_numbers_given_as_strings_like_float() -> None:
    study = study_with([], ThresholdPruner(upper="1.5"))  # type: ignore[arg-type]
    assert decide(study, {0: 1.6}) is True


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({}, TypeError, "lower"),
        ({"lower": "low"}, TypeError, "lower"),
        ({"upper": [1.0]}, TypeError, "upper"),
        ({"lower": 2.0, "upper": 1.0}, ValueError, "lower"),
        ({"upper": 1.0, "n_warmup_steps": -1}, ValueError, "n_warmup_steps"),
        ({"upper": 1.0, "interval_steps": 0}, ValueError, "interval_steps"),
    ],
)
def test_invalid_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ThresholdPruner(**kwargs)
