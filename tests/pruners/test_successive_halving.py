"""SuccessiveHalvingPruner (ASHA) on hand-computed histories.

With ``min_resource=1, reduction_factor=2`` rung ``k`` is reached at step ``2**k`` (1, 2, 4, ...).
At a rung, the trial's value joins the values every trial recorded there; the trial is promoted
when it is within the best ``max(len // 2, 1)`` of them.
"""

from __future__ import annotations

import math

import pytest

import hpo
from hpo.pruners import SuccessiveHalvingPruner
from hpo.pruners._history import history
from hpo.pruners._successive_halving import MIN_RESOURCE_KEY
from hpo.trial import TrialState, create_trial
from tests.pruners.helpers import running, study_with


def rung_decisions(study: hpo.Study, step: int, values: list[float]) -> list[bool]:
    """Start one trial per value, each reporting ``value`` at ``step`` only."""
    return [running(study, {step: v}).should_prune() for v in values]


def test_rung_0_promotes_the_top_half_in_arrival_order() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    # competing at rung 0 after each arrival   -> rank used         -> promoted?
    # [5]                                      -> best of 1: 5     -> yes
    # [5, 6]                                   -> best of 2: 5     -> 6 pruned
    # [5, 6, 4]                                -> best 1 of 3: 4   -> yes
    # [5, 6, 4, 4.5]                           -> best 2 of 4: 4.5 -> yes
    # [5, 6, 4, 4.5, 4.6]                      -> best 2 of 5: 4.5 -> 4.6 pruned
    assert rung_decisions(study, 1, [5.0, 6.0, 4.0, 4.5, 4.6]) == [
        False,
        True,
        False,
        False,
        True,
    ]
    recorded = [t.system_attrs.get("completed_rung_0") for t in study.trials]
    assert recorded == [5.0, 6.0, 4.0, 4.5, 4.6]


def test_maximize_promotes_the_largest_values() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    study = study_with([], pruner, "maximize")
    assert rung_decisions(study, 1, [5.0, 6.0, 4.0, 5.5, 5.4]) == [
        False,
        False,
        True,
        False,
        True,
    ]


def test_before_the_first_rung_nothing_is_pruned_or_recorded() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=3, reduction_factor=2))
    assert rung_decisions(study, 2, [5.0, 9.0, 9.0]) == [False, False, False]
    assert all(not t.system_attrs for t in study.trials)


def test_min_early_stopping_rate_moves_the_first_rung() -> None:
    # First rung at 1 * 2**1 = step 2.
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, min_early_stopping_rate=1)
    study = study_with([], pruner)
    assert rung_decisions(study, 1, [5.0, 9.0]) == [False, False]
    assert rung_decisions(study, 2, [5.0, 9.0]) == [False, True]


def test_a_trial_passes_several_rungs_in_one_call_and_stops_at_the_first_loss() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    study = study_with([], pruner)
    leader = running(study, {1: 3.0, 2: 3.0})
    assert leader.should_prune() is False  # rungs 0 and 1 recorded (step 1 < 4 for rung 2)
    assert leader.system_attrs == {"completed_rung_0": 3.0, "completed_rung_1": 3.0}
    # Reporting step 4 first: the value 2.0 is recorded at rungs 0, 1 and 2 in one call.
    jumper = running(study, {4: 2.0})
    assert jumper.should_prune() is False
    stored = study._storage.get_trial(jumper._trial_id).system_attrs
    assert stored == {f"completed_rung_{k}": 2.0 for k in range(3)}
    # 2.5 beats nobody at rung 0 ([3, 2, 2.5] -> best 1 of 3 is 2.0): pruned there, rung 1 untouched.
    loser = running(study, {4: 2.5})
    assert loser.should_prune() is True
    assert study._storage.get_trial(loser._trial_id).system_attrs == {"completed_rung_0": 2.5}


def test_repeated_calls_continue_from_the_recorded_rung() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    trial = running(study, {1: 1.0})
    assert trial.should_prune() is False
    assert trial.should_prune() is False  # rung 0 is not recorded twice
    trial.report(7.0, 2)
    assert trial.should_prune() is False  # alone at rung 1
    stored = study._storage.get_trial(trial._trial_id).system_attrs
    assert stored == {"completed_rung_0": 1.0, "completed_rung_1": 7.0}


def test_nan_at_a_rung_prunes_without_recording() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=2, reduction_factor=2))
    assert running(study, {1: math.nan}).should_prune() is False  # not a rung step
    trial = running(study, {2: math.nan})
    assert trial.should_prune() is True
    assert study._storage.get_trial(trial._trial_id).system_attrs == {}


def test_bootstrap_count_needs_more_trials_at_the_rung() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2, bootstrap_count=2)
    study = study_with([], pruner)
    # Competitors (itself included) must exceed 2: the first two are pruned, the third is
    # compared ([1, 2, 0.5] -> best 1 of 3 is 0.5), then best 2 of 4 (0.7) and of 5 (0.7).
    assert rung_decisions(study, 1, [1.0, 2.0, 0.5, 0.7, 0.9]) == [True, True, False, False, True]


def test_values_of_pruned_failed_and_running_trials_all_compete() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=1, reduction_factor=2))
    attrs = {"completed_rung_0": 1.0}
    study.add_trial(
        create_trial(state=TrialState.PRUNED, system_attrs=attrs, intermediate_values={1: 1.0})
    )
    study.add_trial(create_trial(state=TrialState.FAIL, system_attrs={"completed_rung_0": 2.0}))
    other = running(study, {1: 3.0})
    # Another worker's running trial recorded its rung value.
    study._storage.set_trial_system_attr(other._trial_id, "completed_rung_0", 3.0)
    # [1, 2, 3, 2.5] -> best 2 of 4 is 2.0: 2.5 pruned; [1, 2, 3, 1.5] -> 1.5 promoted.
    assert rung_decisions(study, 1, [2.5]) == [True]
    assert rung_decisions(study, 1, [1.5]) == [False]


def test_auto_min_resource_waits_for_a_completed_trial() -> None:
    study = study_with([], SuccessiveHalvingPruner(reduction_factor=2))
    assert running(study, {1: 100.0}).should_prune() is False
    assert MIN_RESOURCE_KEY not in study.system_attrs


def test_auto_min_resource_is_estimated_once_and_shared() -> None:
    # The first trial completed at step 250: min_resource = 250 // 100 = 2 (rung 0 at step 2).
    storage = hpo.storages.InMemoryStorage()
    study = study_with(
        [{250: 1.0}],
        SuccessiveHalvingPruner(reduction_factor=2),
        storage=storage,
        study_name="auto",
    )
    assert running(study, {1: 5.0}).should_prune() is False  # step 1 < 2
    assert study.system_attrs[MIN_RESOURCE_KEY] == 2
    # A longer trial completes later; a fresh worker (new Study, pruner and cache) must still use
    # the stored 2 — re-estimating from all trials would give 999 // 100 = 9.
    study.add_trial(create_trial(value=0.0, intermediate_values={999: 1.0}))
    history(storage, study._study_id)._fixed_attrs.clear()
    worker = hpo.load_study(
        study_name="auto", storage=storage, pruner=SuccessiveHalvingPruner(reduction_factor=2)
    )
    assert [running(worker, {2: v}).should_prune() for v in (5.0, 6.0)] == [False, True]


def test_auto_min_resource_is_at_least_one() -> None:
    study = study_with([{0: 1.0, 50: 1.0}], SuccessiveHalvingPruner(reduction_factor=2))
    assert rung_decisions(study, 1, [1.0, 2.0]) == [False, True]
    assert study.system_attrs[MIN_RESOURCE_KEY] == 1


def test_no_reports_do_not_prune() -> None:
    study = study_with([], SuccessiveHalvingPruner(min_resource=1))
    assert study.ask().should_prune() is False


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"min_resource": 0}, "min_resource"),
        ({"min_resource": "max"}, "min_resource"),
        ({"reduction_factor": 1}, "reduction_factor"),
        ({"min_early_stopping_rate": -1}, "min_early_stopping_rate"),
        ({"bootstrap_count": -1}, "bootstrap_count"),
        ({"bootstrap_count": 1}, "bootstrap_count"),  # with min_resource="auto"
    ],
)
def test_invalid_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SuccessiveHalvingPruner(**kwargs)
