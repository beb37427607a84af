"""HyperbandPruner: deterministic brackets, per-bracket Successive Halving, sampler view.

With ``min_resource=1, max_resource=9, reduction_factor=3`` there are
``floor(log_3(9)) + 1 = 3`` brackets with trial budgets ``ceil(3 * 3**s / (s + 1))`` for
``s = 2, 1, 0``: 9, 5, 3 (total 17). A trial's bracket comes from
``crc32(f"{study_name}_{number}") % 17``: below 9 -> bracket 0, below 14 -> 1, else 2.
For the study name "hb" (residues computed by hand from crc32):

    number   0  1  2  3  4  5  6  7  8  9 10 11
    residue  7  0 16 16  9 11 11 14 13  5 13  2
    bracket  0  0  2  2  1  1  1  2  1  0  1  0

Bracket ``b`` is Successive Halving with ``min_early_stopping_rate=b``: its first rung is at
step ``3**b`` (1, 3, 9).
"""

from __future__ import annotations

from typing import Any

import pytest

import hpo
from hpo.pruners import HyperbandPruner
from hpo.pruners._hyperband import MAX_RESOURCE_KEY
from hpo.samplers import RandomSampler
from tests.pruners.helpers import running, study_with

BRACKET_OF_HB = [0, 0, 2, 2, 1, 1, 1, 2, 1, 0, 1, 0]


def hb_study(**kwargs: Any) -> hpo.Study:
    pruner = HyperbandPruner(
        **{"min_resource": 1, "max_resource": 9, "reduction_factor": 3, **kwargs}
    )
    return study_with([], pruner, study_name="hb")


def test_brackets_match_the_hand_computed_table() -> None:
    study = hb_study()
    assert [study.pruner._bracket_id(study, n) for n in range(12)] == BRACKET_OF_HB


def test_brackets_do_not_depend_on_the_pruner_instance_or_order_of_calls() -> None:
    study = hb_study()
    other = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    assert [other._bracket_id(study, n) for n in reversed(range(12))] == BRACKET_OF_HB[::-1]


def test_each_bracket_competes_only_with_itself() -> None:
    study = hb_study()
    decisions = [
        running(study, {1: 5.0}).should_prune(),  # 0, b0: alone at rung 0 (step 1)
        running(study, {1: 6.0}).should_prune(),  # 1, b0: [5, 6] -> pruned
        running(study, {1: 0.0}).should_prune(),  # 2, b2: step 1 < 9, no rung
        running(study, {9: 100.0}).should_prune(),  # 3, b2: alone at its rung 0 (step 9)
        running(study, {3: 7.0}).should_prune(),  # 4, b1: alone (b0's 5 and 6 do not count)
        running(study, {3: 8.0}).should_prune(),  # 5, b1: [7, 8] -> pruned
        running(study, {3: 6.5}).should_prune(),  # 6, b1: [7, 8, 6.5] -> best of 3, kept
    ]
    assert decisions == [False, True, False, False, False, True, False]


def test_trials_of_bracket_0_pass_several_rungs() -> None:
    study = hb_study()
    trial = running(study, {1: 1.0, 3: 1.0, 9: 1.0})  # number 0, bracket 0: rungs at 1, 3, 9
    assert trial.should_prune() is False
    stored = study._storage.get_trial(trial._trial_id).system_attrs
    assert stored == {f"completed_rung_{k}": 1.0 for k in range(3)}


class RecordingSampler(RandomSampler):
    """Records the trial numbers the sampler can see when it samples for a trial."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.seen: dict[int, list[int]] = {}

    def sample_independent(self, study: Any, trial: Any, name: str, dist: Any) -> Any:
        self.seen[trial.number] = [t.number for t in study.get_trials(deepcopy=False)]
        assert [t.number for t in study.trials] == self.seen[trial.number]
        return super().sample_independent(study, trial, name, dist)


def test_sampler_sees_only_the_trials_of_the_trials_bracket() -> None:
    sampler = RecordingSampler()
    pruner = HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    study = hpo.create_study(study_name="hb", sampler=sampler, pruner=pruner)
    for _ in range(12):
        study.ask().suggest_float("x", 0, 1)
    for number in range(12):
        expected = [m for m in range(number + 1) if BRACKET_OF_HB[m] == BRACKET_OF_HB[number]]
        assert sampler.seen[number] == expected
    assert sampler.seen[10] == [4, 5, 6, 8, 10]


def test_bracket_view_filters_states_and_best_trial_and_forwards_stop() -> None:
    study = hb_study()
    for number in range(4):  # trials 0, 1 in bracket 0; 2, 3 in bracket 2
        trial = study.ask()
        study.tell(trial, float(10 - number))
    view = study.pruner._filter_study(study, study.trials[0])
    assert [t.number for t in view.get_trials(states=(hpo.trial.TrialState.COMPLETE,))] == [0, 1]
    assert view.best_trial.number == 1
    assert study.best_trial.number == 3
    stopped = []
    study.stop = lambda: stopped.append(True)  # type: ignore[method-assign]
    view.stop()
    assert stopped == [True]


def test_auto_max_resource_comes_from_the_first_completed_trial_and_is_stored() -> None:
    study = study_with([], HyperbandPruner(min_resource=1, reduction_factor=3), study_name="hb")
    # Nothing known yet: no pruning, and every trial counts as bracket 0 for the sampler.
    assert running(study, {1: 5.0}).should_prune() is False
    assert running(study, {1: 9.0}).should_prune() is False
    view = study.pruner._filter_study(study, study.trials[1])
    assert len(view.get_trials()) == 2
    study.add_trial(hpo.trial.create_trial(value=0.0, intermediate_values={0: 1.0, 8: 1.0}))
    assert running(study, {1: 0.0}).should_prune() is False  # trial 3: bracket 2, step 1 < 9
    assert study.system_attrs[MAX_RESOURCE_KEY] == 9  # last step 8 + 1
    later = hpo.trial.create_trial(value=0.0, intermediate_values={80: 1.0})
    study.add_trial(later)
    assert study.system_attrs[MAX_RESOURCE_KEY] == 9  # not re-estimated
    assert study.pruner._bracket_id(study, 7) == BRACKET_OF_HB[7]


def test_no_brackets_when_max_resource_is_below_min_resource() -> None:
    study = study_with([], HyperbandPruner(min_resource=5, max_resource=2), study_name="hb")
    assert [running(study, {5: v}).should_prune() for v in (1.0, 2.0)] == [False, False]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"min_resource": 0}, "min_resource"),
        ({"max_resource": "max"}, "max_resource"),
        ({"max_resource": 1.5}, "max_resource"),
        ({"reduction_factor": 1}, "reduction_factor"),
        ({"bootstrap_count": -1}, "bootstrap_count"),
        ({"bootstrap_count": 2}, "bootstrap_count"),  # with max_resource="auto"
    ],
)
def test_invalid_arguments_name_the_parameter(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        HyperbandPruner(**kwargs)


def test_bootstrap_count_applies_per_bracket() -> None:
    study = hb_study(bootstrap_count=1)
    # Trial 0 is alone in bracket 0 at rung 0 (1 competitor <= 1): pruned; trial 1 then has a
    # competitor: [5, 4] -> best of 2 -> kept.
    assert running(study, {1: 5.0}).should_prune() is True
    assert running(study, {1: 4.0}).should_prune() is False
