"""Improvement and error evaluators: exact semantics, bounds on known problems, errors."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import hpo
from hpo.study import StudyDirection
from hpo.terminator import (
    BaseImprovementEvaluator,
    BestValueStagnationEvaluator,
    CrossValidationErrorEvaluator,
    EMMREvaluator,
    MedianErrorEvaluator,
    RegretBoundEvaluator,
    StaticErrorEvaluator,
    report_cross_validation_scores,
)
from tests.terminator.helpers import SILENCE, quadratic_3d, study_with_values, tpe_study

pytestmark = pytest.mark.filterwarnings(*SILENCE)

MIN, MAX = StudyDirection.MINIMIZE, StudyDirection.MAXIMIZE


# --- BestValueStagnationEvaluator ---------------------------------------------------------------


def test_stagnation_counts_completed_trials_since_the_strictly_best_one() -> None:
    # Completed values 5, 3, 4, 3, 2, 2, 6 (a failed trial in between is ignored). Minimising,
    # the best is the first 2 (completed index 4; the tie after it is no improvement), and two
    # completed trials followed it: 10 - 2 = 8. Maximising, the best is the last one (6): 10.
    study = study_with_values([5, 3, None, 4, 3, 2, 2, None, 6])
    trials = study.get_trials()
    assert BestValueStagnationEvaluator(10).evaluate(trials, MIN) == 8
    assert BestValueStagnationEvaluator(10).evaluate(trials, MAX) == 10
    assert BestValueStagnationEvaluator(1).evaluate(trials, MIN) == -1


def test_stagnation_of_a_single_trial_is_the_maximum() -> None:
    trials = study_with_values([7.0]).get_trials()
    assert BestValueStagnationEvaluator(30).evaluate(trials, MIN) == 30


def test_stagnation_errors() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        BestValueStagnationEvaluator(-1)
    only_failed = study_with_values([None, None]).get_trials()
    with pytest.raises(ValueError, match="no trial has been completed yet"):
        BestValueStagnationEvaluator().evaluate(only_failed, MIN)


# --- StaticErrorEvaluator and CrossValidationErrorEvaluator -----------------------------------


def test_static_error_evaluator_returns_its_constant() -> None:
    trials = study_with_values([1.0, 2.0]).get_trials()
    assert StaticErrorEvaluator(0.25).evaluate(trials, MIN) == 0.25
    assert StaticErrorEvaluator(-3).evaluate([], MAX) == -3


def _cv_study(direction: str, fold_scores: list[list[float]]) -> hpo.Study:
    study = hpo.create_study(direction=direction)
    for scores in fold_scores:
        trial = study.ask()
        trial.suggest_float("x", 0, 1)
        report_cross_validation_scores(trial, scores)
        study.tell(trial, float(np.mean(scores)))
    return study


def test_cross_validation_error_uses_the_best_trials_scores() -> None:
    low = [0.8, 0.9, 0.85, 0.95]  # mean 0.875, population variance 0.003125
    high = [0.9, 1.1, 1.0]  # mean 1.0, population variance 0.02 / 3
    for direction, expected in (
        ("minimize", math.sqrt((1 / 4 + 1 / 3) * 0.003125)),
        ("maximize", math.sqrt((1 / 3 + 1 / 2) * 0.02 / 3)),
    ):
        study = _cv_study(direction, [low, high])
        error = CrossValidationErrorEvaluator().evaluate(study.trials, study.direction)
        assert error == pytest.approx(expected, rel=1e-12)


def test_reported_scores_are_stored_as_floats_in_the_storage(tmp_path) -> None:
    study = hpo.create_study(storage=f"sqlite:///{tmp_path / 'cv.db'}")
    trial = study.ask()
    report_cross_validation_scores(trial, np.array([1, 2, 3]))
    stored = study.trials[0].system_attrs["terminator:cv_scores"]
    assert stored == [1.0, 2.0, 3.0] and all(type(s) is float for s in stored)


def test_cross_validation_errors() -> None:
    study = study_with_values([1.0, 2.0])
    with pytest.raises(ValueError, match="Cross-validation scores have not been reported"):
        CrossValidationErrorEvaluator().evaluate(study.trials, MIN)
    with pytest.raises(ValueError, match="no trial has been completed yet"):
        CrossValidationErrorEvaluator().evaluate([], MIN)
    with pytest.raises(ValueError, match="greater than one"):
        report_cross_validation_scores(hpo.create_study().ask(), [0.5])


# --- RegretBoundEvaluator ----------------------------------------------------------------------


def test_regret_bound_is_small_once_the_study_has_converged() -> None:
    # (x - 1)^2 on [-5, 5]: values span 0..36; after 100 TPE trials the best is ~1e-5.
    study = tpe_study(100)
    bound = RegretBoundEvaluator(seed=0).evaluate(study.trials, study.direction)
    assert 0.0 <= bound < 1.0


def test_regret_bound_covers_the_true_regret_early_on() -> None:
    # 20 random trials of a 3-D quadratic (optimum 0): the best value is the true regret.
    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
    study.optimize(quadratic_3d, n_trials=20)
    bound = RegretBoundEvaluator(seed=0).evaluate(study.trials, study.direction)
    assert bound > study.best_value > 1.0


def test_regret_bound_is_invariant_to_the_direction() -> None:
    study = tpe_study(30)
    negated = hpo.create_study(direction="maximize")
    for t in study.trials:
        negated.add_trial(
            hpo.trial.create_trial(value=-t.value, params=t.params, distributions=t.distributions)
        )
    a = RegretBoundEvaluator(seed=1).evaluate(study.trials, MIN)
    b = RegretBoundEvaluator(seed=1).evaluate(negated.trials, MAX)
    assert a == pytest.approx(b, rel=1e-9)


def test_regret_bound_errors() -> None:
    with pytest.raises(ValueError, match="no trial has been completed yet"):
        RegretBoundEvaluator().evaluate(study_with_values([None]).trials, MIN)
    no_params = hpo.create_study()
    no_params.optimize(lambda t: 1.0, n_trials=3)
    with pytest.raises(ValueError, match="intersection search space is empty"):
        RegretBoundEvaluator().evaluate(no_params.trials, MIN)


# --- EMMREvaluator and MedianErrorEvaluator ----------------------------------------------------


def test_emmr_does_not_terminate_before_min_n_trials() -> None:
    trials = tpe_study(3).trials
    huge = sys.float_info.max * 0.1
    assert EMMREvaluator(min_n_trials=4).evaluate(trials, MIN) == huge
    assert EMMREvaluator(min_n_trials=3, seed=0).evaluate(trials, MIN) < huge


def test_emmr_is_non_negative_and_shrinks_as_the_study_converges() -> None:
    study = tpe_study(60)
    trials = study.trials
    values = [EMMREvaluator(seed=0).evaluate(trials[:n], MIN) for n in (10, 60)]
    assert all(v >= 0.0 and math.isfinite(v) for v in values)
    assert values[1] < values[0]


def test_emmr_without_search_space_warns_and_never_terminates() -> None:
    study = hpo.create_study()
    study.optimize(lambda t: 1.0, n_trials=3)
    with pytest.warns(UserWarning, match="cannot consider any search space"):
        value = EMMREvaluator().evaluate(study.trials, MIN)
    assert value == sys.float_info.max * 0.1


def test_emmr_rejects_min_n_trials_below_two() -> None:
    with pytest.raises(ValueError, match="more than one"):
        EMMREvaluator(min_n_trials=1)


class _CountingEvaluator(BaseImprovementEvaluator):
    """Returns the number of trials it was given, and remembers the first trial's number."""

    def __init__(self) -> None:
        self.first_numbers: list[int] = []

    def evaluate(self, trials, study_direction) -> float:
        self.first_numbers.append(trials[0].number)
        return float(len(trials))


def test_median_error_is_a_fraction_of_the_median_of_early_values() -> None:
    paired = _CountingEvaluator()
    evaluator = MedianErrorEvaluator(paired, warm_up_trials=2, n_initial_trials=4)
    study = study_with_values([5, None, 4, 3, 2, 1, 0])  # 6 completed, numbers 0, 2, ..., 6
    trials = study.trials
    assert evaluator.evaluate(trials[:6], MIN) == -sys.float_info.min  # 5 completed < 2 + 4
    # Completed trials 3..6 (numbers 3, 4, 5, 6) after skipping two: values 1, 2, 3, 4,
    # median (upper) 3, times the default ratio 0.01.
    assert evaluator.evaluate(trials, MIN) == pytest.approx(0.03)
    assert paired.first_numbers == [3, 3, 3, 3]
    assert evaluator.evaluate(trials[:1], MIN) == pytest.approx(0.03)  # kept once computed


def test_median_error_argument_checks() -> None:
    paired = _CountingEvaluator()
    with pytest.raises(ValueError, match="warm_up_trials"):
        MedianErrorEvaluator(paired, warm_up_trials=-1)
    with pytest.raises(ValueError, match="n_initial_trials"):
        MedianErrorEvaluator(paired, n_initial_trials=0)
    for ratio in (0.0, float("inf")):
        with pytest.raises(ValueError, match="threshold_ratio"):
            MedianErrorEvaluator(paired, threshold_ratio=ratio)
