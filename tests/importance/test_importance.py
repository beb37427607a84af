"""Parameter importances: ranking, normalisation, reproducibility and error cases."""

from __future__ import annotations

import math
import warnings

import pytest

import hpo
from hpo.exceptions import ExperimentalWarning
from hpo.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)

pytest.importorskip("sklearn")

EVALUATORS = [
    pytest.param(lambda: FanovaImportanceEvaluator(seed=0), id="fanova"),
    pytest.param(lambda: MeanDecreaseImpurityImportanceEvaluator(seed=0), id="mdi"),
    pytest.param(lambda: PedAnovaImportanceEvaluator(), id="ped_anova"),
]
FOREST_EVALUATORS = EVALUATORS[:2]


def _x_only(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -5, 5)
    trial.suggest_int("n", 0, 10)
    trial.suggest_float("lr", 1e-4, 1.0, log=True)
    trial.suggest_categorical("c", ["a", "b", "c"])
    return x**2


def _study(objective=_x_only, n_trials: int = 60, seed: int = 0, **kwargs) -> hpo.Study:
    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=seed), **kwargs)
    study.optimize(objective, n_trials=n_trials)
    return study


@pytest.mark.parametrize("make", EVALUATORS)
def test_parameter_the_objective_depends_on_ranks_first(make) -> None:
    importances = get_param_importances(_study(), evaluator=make())
    assert set(importances) == {"x", "n", "lr", "c"}
    assert next(iter(importances)) == "x"
    assert importances["x"] > 0.5
    assert math.isclose(sum(importances.values()), 1.0)
    assert all(v >= 0.0 for v in importances.values())
    values = list(importances.values())
    assert values == sorted(values, reverse=True)


def test_default_evaluator_is_ped_anova() -> None:
    study = _study()
    assert get_param_importances(study) == get_param_importances(
        study, evaluator=PedAnovaImportanceEvaluator()
    )


@pytest.mark.parametrize("make", EVALUATORS)
def test_target_selects_what_is_explained(make) -> None:
    study = _study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PED-ANOVA reminds that lower targets count as better
        importances = get_param_importances(
            study, evaluator=make(), target=lambda t: (t.params["n"] - 5) ** 2
        )
    assert next(iter(importances)) == "n"


@pytest.mark.parametrize(
    "cls", [FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator]
)
@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_seed_reproduces_the_forest(cls) -> None:
    study = _study(n_trials=40)
    first = get_param_importances(study, evaluator=cls(seed=3), normalize=False)
    second = get_param_importances(study, evaluator=cls(seed=3), normalize=False)
    assert first == second
    evaluator = cls(seed=3)
    assert evaluator.evaluate(study) == evaluator.evaluate(study)


@pytest.mark.parametrize("make", EVALUATORS)
def test_normalize_false_returns_raw_values_with_experimental_warning(make) -> None:
    study = _study()
    with pytest.warns(ExperimentalWarning):
        raw = get_param_importances(study, evaluator=make(), normalize=False)
    normalized = get_param_importances(study, evaluator=make())
    total = sum(raw.values())
    for name, value in normalized.items():
        assert value == pytest.approx(raw[name] / total)


@pytest.mark.parametrize("make", EVALUATORS)
def test_params_restricts_the_assessment(make) -> None:
    importances = get_param_importances(_study(), evaluator=make(), params=["n", "x"])
    assert set(importances) == {"n", "x"}
    assert next(iter(importances)) == "x"
    assert get_param_importances(_study(), evaluator=make(), params=[]) == {}


@pytest.mark.parametrize("make", EVALUATORS)
def test_empty_study_gives_no_importances(make) -> None:
    study = hpo.create_study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert get_param_importances(study, evaluator=make()) == {}


@pytest.mark.parametrize("make", EVALUATORS)
def test_params_without_completed_trials_raise(make) -> None:
    study = hpo.create_study()
    with pytest.raises(ValueError, match="completed trial"):
        get_param_importances(study, evaluator=make(), params=["x"])


@pytest.mark.parametrize("make", EVALUATORS)
def test_unknown_param_raises(make) -> None:
    with pytest.raises(ValueError):
        get_param_importances(_study(), evaluator=make(), params=["x", "nope"])


@pytest.mark.parametrize("make", EVALUATORS)
def test_params_must_be_a_list_of_names(make) -> None:
    study = _study(n_trials=5)
    with pytest.raises(TypeError, match="list"):
        get_param_importances(study, evaluator=make(), params="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="strings"):
        get_param_importances(study, evaluator=make(), params=[1])  # type: ignore[list-item]


def test_evaluator_must_be_an_importance_evaluator() -> None:
    with pytest.raises(TypeError, match="BaseImportanceEvaluator"):
        get_param_importances(_study(n_trials=5), evaluator=object())  # type: ignore[arg-type]


def _two_objectives(trial: hpo.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_float("y", 0, 1)
    return x**2, (y - 0.5) ** 2


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_forest_evaluators_need_a_target_for_several_objectives(make) -> None:
    study = _study(_two_objectives, n_trials=30, directions=["minimize", "minimize"])
    with pytest.raises(ValueError, match="multi-objective"):
        get_param_importances(study, evaluator=make())
    importances = get_param_importances(study, evaluator=make(), target=lambda t: t.values[1])
    assert next(iter(importances)) == "y"


def test_ped_anova_handles_several_objectives_without_target() -> None:
    study = _study(_two_objectives, n_trials=100, directions=["minimize", "minimize"])
    importances = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    assert set(importances) == {"x", "y"}
    assert math.isclose(sum(importances.values()), 1.0)


def _dynamic(trial: hpo.Trial) -> float:
    return trial.suggest_float("x", 0, 1 + trial.number % 2)


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_forest_evaluators_reject_a_changing_search_space(make) -> None:
    study = _study(_dynamic, n_trials=10)
    with pytest.raises(ValueError, match="dynamic search spaces"):
        get_param_importances(study, evaluator=make(), params=["x"])
    # Without params only parameters with one distribution in every trial are assessed.
    assert get_param_importances(study, evaluator=make()) == {}


def _conditional(trial: hpo.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b"])
    if kind == "a":
        return trial.suggest_float("a", 0, 1) ** 2
    return 1.0 + 0.001 * trial.suggest_float("b", 0, 1)


def test_conditional_parameters() -> None:
    study = _study(_conditional, n_trials=80)
    ped = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    assert set(ped) == {"kind", "a", "b"}
    forest = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
    assert set(forest) == {"kind"}
    only_a = get_param_importances(
        study, evaluator=FanovaImportanceEvaluator(seed=0), params=["a"]
    )
    assert only_a == {"a": 1.0}


@pytest.mark.parametrize("make", EVALUATORS)
@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_non_finite_trials_are_ignored(make) -> None:
    study = _study(n_trials=40)
    before = get_param_importances(study, evaluator=make(), normalize=False)
    params = study.trials[0].params
    study.add_trial(
        hpo.trial.create_trial(
            params=params, distributions=study.trials[0].distributions, value=math.inf
        )
    )
    assert get_param_importances(study, evaluator=make(), normalize=False) == pytest.approx(before)


@pytest.mark.parametrize("make", EVALUATORS)
def test_single_trial_gives_equal_importances(make) -> None:
    study = _study(n_trials=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        importances = get_param_importances(study, evaluator=make())
    assert importances == {name: 0.25 for name in ("x", "n", "lr", "c")}


def test_fanova_constant_parameter_has_zero_importance() -> None:
    def objective(trial: hpo.Trial) -> float:
        trial.suggest_float("fixed", 1.0, 1.0)
        return trial.suggest_float("x", 0, 1)

    importances = get_param_importances(
        _study(objective, n_trials=20), evaluator=FanovaImportanceEvaluator(seed=0)
    )
    assert importances["fixed"] == 0.0
    assert importances["x"] == 1.0


def test_fanova_constant_objective_raises() -> None:
    study = _study(lambda t: 0.0 * t.suggest_float("x", 0, 1), n_trials=10)
    with pytest.raises(RuntimeError, match="zero total variance"):
        get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))


def test_ped_anova_quantiles_are_validated() -> None:
    with pytest.raises(ValueError):
        PedAnovaImportanceEvaluator(target_quantile=0.5, region_quantile=0.4)
    with pytest.warns(UserWarning, match="no effect"):
        PedAnovaImportanceEvaluator(region_quantile=0.5, evaluate_on_local=False)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"evaluate_on_local": False}, {"target_quantile": 0.05, "region_quantile": 0.5}],
)
def test_ped_anova_options_keep_the_ranking(kwargs) -> None:
    importances = get_param_importances(
        _study(n_trials=200), evaluator=PedAnovaImportanceEvaluator(**kwargs)
    )
    assert next(iter(importances)) == "x"


def test_custom_evaluator_is_accepted() -> None:
    class Constant(BaseImportanceEvaluator):
        def evaluate(self, study, params=None, *, target=None):
            return {"x": 3.0, "n": 1.0}

    assert get_param_importances(_study(n_trials=3), evaluator=Constant()) == {
        "x": 0.75,
        "n": 0.25,
    }
