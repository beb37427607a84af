from __future__ import annotations

import numpy as np
import pytest

import hpo
from hpo.study import StudyDirection
from hpo.study._multi_objective import (
    dominates,
    is_pareto_front,
    loss_matrix,
    non_domination_rank,
)
from hpo.trial import TrialState, create_trial

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE


def _study(directions=("minimize", "minimize")) -> hpo.Study:
    return hpo.create_study(directions=list(directions))


def _add(study: hpo.Study, values, **kwargs) -> None:
    study.add_trial(create_trial(values=values, **kwargs))


def test_best_trials_is_pareto_front() -> None:
    study = _study()
    for values in ([1, 4], [2, 2], [4, 1], [3, 3], [2, 5]):
        _add(study, values)
    assert sorted(t.number for t in study.best_trials) == [0, 1, 2]


def test_best_trials_respects_directions() -> None:
    study = _study(("minimize", "maximize"))
    for values in ([1, 1], [2, 5], [3, 4], [0, 0]):
        _add(study, values)
    assert sorted(t.number for t in study.best_trials) == [0, 1, 3]


def test_best_trials_keeps_duplicates() -> None:
    study = _study()
    _add(study, [1, 1])
    _add(study, [1, 1])
    _add(study, [2, 2])
    assert sorted(t.number for t in study.best_trials) == [0, 1]


def test_best_trials_only_complete() -> None:
    study = _study()
    study.ask()
    study.add_trial(create_trial(state=TrialState.FAIL))
    assert study.best_trials == []
    _add(study, [5, 5])
    assert [t.number for t in study.best_trials] == [2]


def test_best_trials_feasible_only_with_constraints() -> None:
    study = _study()
    _add(study, [0, 0], constraints={"c": 1.0})  # dominates everything, but infeasible
    _add(study, [1, 2], constraints={"c": 0.0})
    _add(study, [2, 1], constraints={"c": -3.0})
    _add(study, [3, 3], constraints={"c": -1.0})
    assert sorted(t.number for t in study.best_trials) == [1, 2]


def test_best_trials_are_copies() -> None:
    study = _study()
    _add(study, [1, 1])
    study.best_trials[0].user_attrs["x"] = 1
    assert study.trials[0].user_attrs == {}


def test_best_trials_single_objective() -> None:
    study = hpo.create_study()
    study.add_trial(create_trial(value=2.0))
    study.add_trial(create_trial(value=1.0))
    assert [t.number for t in study.best_trials] == [1]


def test_optimize_multi_objective() -> None:
    study = _study(("minimize", "maximize"))
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), 5)
    assert all(t.state is TrialState.COMPLETE and len(t.values) == 2 for t in study.trials)
    assert study.best_trials


def test_dominates() -> None:
    a = create_trial(values=[1, 1])
    b = create_trial(values=[1, 2])
    failed = create_trial(state=TrialState.FAIL)
    assert dominates(a, b, [MIN, MIN])
    assert not dominates(b, a, [MIN, MIN])
    assert dominates(b, a, [MIN, MAX])
    assert not dominates(a, a, [MIN, MIN])
    assert dominates(a, failed, [MIN, MIN]) and not dominates(failed, a, [MIN, MIN])


def test_loss_matrix_flips_maximized_objectives() -> None:
    trials = [create_trial(values=[1, 2]), create_trial(values=[3, 4])]
    np.testing.assert_array_equal(loss_matrix(trials, [MIN, MAX]), [[1, -2], [3, -4]])
    assert loss_matrix([], [MIN, MAX]).shape == (0, 2)


def test_is_pareto_front_and_ranks() -> None:
    loss = np.array([[1, 4], [2, 2], [4, 1], [3, 3], [4, 4], [1, 4]], dtype=float)
    np.testing.assert_array_equal(is_pareto_front(loss), [1, 1, 1, 0, 0, 1])
    np.testing.assert_array_equal(non_domination_rank(loss), [0, 0, 0, 1, 2, 0])
    assert is_pareto_front(np.empty((0, 2))).shape == (0,)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pareto_front_matches_brute_force(seed: int) -> None:
    rng = np.random.RandomState(seed)
    loss = rng.randint(0, 5, size=(40, 3)).astype(float)
    expected = [not any(np.all(o <= r) and np.any(o < r) for o in loss) for r in loss]
    np.testing.assert_array_equal(is_pareto_front(loss), expected)
