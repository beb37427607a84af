from __future__ import annotations

import math
import warnings

import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.exceptions import UpdateFinishedTrialError
from hpo.trial import Trial, TrialState


def _study(**kwargs) -> hpo.Study:
    kwargs.setdefault("sampler", hpo.samplers.RandomSampler(seed=0))
    return hpo.create_study(**kwargs)


# --- suggest --------------------------------------------------------------------------------


def test_suggest_float_in_range_and_stored() -> None:
    study = _study()
    trial = study.ask()
    x = trial.suggest_float("x", -1.0, 1.0)
    assert isinstance(x, float) and -1.0 <= x <= 1.0
    assert trial.params == {"x": x}
    assert trial.distributions == {"x": FloatDistribution(-1.0, 1.0)}
    stored = study._storage.get_trial(trial._trial_id)
    assert stored.params == {"x": x}


def test_suggest_float_log_and_step() -> None:
    study = _study()
    for _ in range(20):
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        q = trial.suggest_float("q", 0.0, 1.0, step=0.25)
        assert 1e-5 <= lr <= 1e-1
        assert q in (0.0, 0.25, 0.5, 0.75, 1.0)
        study.tell(trial, 0.0)


def test_suggest_int_returns_int_in_range() -> None:
    study = _study()
    for _ in range(20):
        trial = study.ask()
        n = trial.suggest_int("n", 1, 10, step=3)
        m = trial.suggest_int("m", 1, 1000, log=True)
        assert isinstance(n, int) and n in (1, 4, 7, 10)
        assert isinstance(m, int) and 1 <= m <= 1000
        study.tell(trial, 0.0)


def test_suggest_int_accepts_integral_floats() -> None:
    trial = _study().ask()
    assert trial.suggest_int("n", 0.0, 3.0) in range(4)


def test_suggest_int_accepts_numpy_integers() -> None:
    np = pytest.importorskip("numpy")
    trial = _study().ask()
    n = trial.suggest_int("n", np.int64(1), np.int32(5), step=np.int64(2))
    assert n in (1, 3, 5) and type(n) is int
    assert trial.distributions["n"] == IntDistribution(1, 5, step=2)


def test_suggest_int_rejects_bool_bound() -> None:
    with pytest.raises(TypeError, match="`low`.*True"):
        _study().ask().suggest_int("n", True, 5)


def test_suggest_int_rejects_fractional_bound_naming_it() -> None:
    trial = _study().ask()
    with pytest.raises(TypeError, match=r"'n'.*`low`.*0.5"):
        trial.suggest_int("n", 0.5, 3)


def test_suggest_categorical() -> None:
    trial = _study().ask()
    c = trial.suggest_categorical("c", ["a", None, 3])
    assert c in ("a", None, 3)
    assert trial.distributions["c"] == CategoricalDistribution(["a", None, 3])


def test_suggest_same_name_returns_same_value() -> None:
    trial = _study().ask()
    assert trial.suggest_float("x", 0, 1) == trial.suggest_float("x", 0, 1)


def test_suggest_same_name_different_range_warns_and_keeps_first() -> None:
    trial = _study().ask()
    first = trial.suggest_float("x", 0, 1)
    with pytest.warns(RuntimeWarning, match="'x'"):
        second = trial.suggest_float("x", 5, 6)
    assert second == first


def test_suggest_same_name_incompatible_distribution() -> None:
    trial = _study().ask()
    trial.suggest_float("x", 0, 1)
    with pytest.raises(ValueError, match="different distribution kind"):
        trial.suggest_int("x", 0, 1)
    trial.suggest_categorical("c", ["a", "b"])
    with pytest.raises(ValueError, match="dynamic value space"):
        trial.suggest_categorical("c", ["a", "b", "c"])


def test_suggest_incompatible_distribution_across_trials() -> None:
    study = _study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, 0.0)
    with pytest.raises(ValueError, match="different distribution kind"):
        study.ask().suggest_int("x", 0, 1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda t: t.suggest_float("x", 2, 1), r"low=2.*high=1"),
        (lambda t: t.suggest_float("x", 0, 1, log=True), r"low > 0"),
        (lambda t: t.suggest_float("x", 0.1, 1, log=True, step=0.1), r"step"),
        (lambda t: t.suggest_int("x", 5, 1), r"low=5.*high=1"),
        (lambda t: t.suggest_int("x", 0, 10, log=True), r"low >= 1"),
        (lambda t: t.suggest_categorical("x", []), r"choices"),
    ],
)
def test_suggest_bad_bounds(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(_study().ask())


def test_suggest_step_not_dividing_warns() -> None:
    trial = _study().ask()
    with pytest.warns(UserWarning, match="step"):
        value = trial.suggest_float("x", 0, 1, step=0.3)
    assert value <= 0.9 + 1e-12


def test_suggest_single_value_distribution_skips_sampler() -> None:
    trial = _study().ask()
    assert trial.suggest_float("x", 2.5, 2.5) == 2.5
    assert trial.suggest_int("n", 4, 4) == 4
    assert trial.suggest_categorical("c", ["only"]) == "only"


def test_unsupported_categorical_choice_warns() -> None:
    trial = _study().ask()
    with pytest.warns(UserWarning, match="list"):
        trial.suggest_categorical("c", [[1], [2]])


@pytest.mark.parametrize(
    "method, args, expected",
    [
        ("suggest_uniform", (0.0, 1.0), FloatDistribution(0.0, 1.0)),
        ("suggest_loguniform", (0.1, 1.0), FloatDistribution(0.1, 1.0, log=True)),
        ("suggest_discrete_uniform", (0.0, 1.0, 0.5), FloatDistribution(0.0, 1.0, step=0.5)),
    ],
)
def test_deprecated_suggest_emits_future_warning(method: str, args, expected) -> None:
    trial = _study().ask()
    with pytest.warns(FutureWarning, match=method):
        value = getattr(trial, method)("p", *args)
    assert trial.distributions["p"] == expected
    assert expected._contains(value)


# --- report ---------------------------------------------------------------------------------


def test_report_stores_intermediate_values() -> None:
    study = _study()
    trial = study.ask()
    trial.report(1.5, 0)
    trial.report(0.5, 3)
    assert study.trials[0].intermediate_values == {0: 1.5, 3: 0.5}


def test_report_repeated_step_warns_and_keeps_first() -> None:
    study = _study()
    trial = study.ask()
    trial.report(1.0, 2)
    with pytest.warns(UserWarning, match=r"Step 2"):
        trial.report(9.0, 2)
    assert study.trials[0].intermediate_values == {2: 1.0}


@pytest.mark.parametrize("value", ["abc", None, [1.0]])
def test_report_non_number_is_type_error_naming_it(value) -> None:
    trial = _study().ask()
    with pytest.raises(TypeError, match=type(value).__name__):
        trial.report(value, 0)


def test_report_numpy_values() -> None:
    np = pytest.importorskip("numpy")
    study = _study()
    trial = study.ask()
    trial.report(np.float32(0.5), np.int64(1))
    assert study.trials[0].intermediate_values == {1: 0.5}


def test_report_negative_step() -> None:
    trial = _study().ask()
    with pytest.raises(ValueError, match="-1"):
        trial.report(1.0, -1)


def test_report_after_finish_raises() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(UpdateFinishedTrialError, match="Trial#0"):
        trial.report(1.0, 0)


def test_report_in_multi_objective_study() -> None:
    trial = _study(directions=["minimize", "maximize"]).ask()
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.report(1.0, 0)
    with pytest.raises(NotImplementedError, match="multi-objective"):
        trial.should_prune()


class _PruneAfter(hpo.pruners.BasePruner):
    def __init__(self, step: int) -> None:
        self.step = step

    def prune(self, study, trial) -> bool:
        return trial.last_step is not None and trial.last_step >= self.step


def test_should_prune_asks_pruner_with_latest_report() -> None:
    study = _study(pruner=_PruneAfter(2))
    trial = study.ask()
    assert not trial.should_prune()
    trial.report(1.0, 1)
    assert not trial.should_prune()
    trial.report(1.0, 2)
    assert trial.should_prune()


# --- attributes and constraints -------------------------------------------------------------


def test_user_attrs() -> None:
    study = _study()
    trial = study.ask()
    trial.set_user_attr("a", [1, {"b": 2}])
    assert trial.user_attrs == {"a": [1, {"b": 2}]}
    study.tell(trial, 1.0)
    assert study.trials[0].user_attrs == {"a": [1, {"b": 2}]}


def test_user_attr_non_json_names_key() -> None:
    trial = _study().ask()
    with pytest.raises(TypeError, match="'bad'"):
        trial.set_user_attr("bad", object())


def test_user_attr_after_finish() -> None:
    study = _study()
    trial = study.ask()
    study.tell(trial, 1.0)
    with pytest.raises(UpdateFinishedTrialError):
        trial.set_user_attr("a", 1)
    with pytest.raises(UpdateFinishedTrialError):
        trial.suggest_float("x", 0, 1)


def test_set_constraint() -> None:
    study = _study()
    trial = study.ask()
    trial.set_constraint("c0", 0.5)
    assert trial.constraints == {"c0": 0.5}
    with pytest.warns(UserWarning, match="'c0'"):
        trial.set_constraint("c0", -1.0)
    assert trial.constraints == {"c0": 0.5}
    with pytest.raises(TypeError, match="'c1'"):
        trial.set_constraint("c1", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'c2'"):
        trial.set_constraint("c2", math.nan)
    study.tell(trial, 1.0)
    assert study.trials[0].constraints == {"c0": 0.5}


def test_trial_properties() -> None:
    study = _study()
    study.ask()
    trial = study.ask()
    assert isinstance(trial, Trial)
    assert trial.number == 1
    assert trial.datetime_start is not None
    assert trial.study is study
    # Returned containers are copies: mutating them does not change the trial.
    trial.suggest_float("x", 0, 1)
    trial.params["x"] = 99
    assert trial.params["x"] != 99


def test_relative_params_from_sampler() -> None:
    class Relative(hpo.samplers.RandomSampler):
        def infer_relative_search_space(self, study, trial):
            return {"x": FloatDistribution(0, 1), "n": IntDistribution(0, 5)}

        def sample_relative(self, study, trial, search_space):
            return {"x": 0.25, "n": 3}

    study = hpo.create_study(sampler=Relative(seed=0))
    trial = study.ask()
    assert trial.suggest_float("x", 0, 1) == 0.25
    assert trial.suggest_int("n", 0, 5) == 3
    # Out of the requested range: sampled independently instead.
    assert trial.suggest_float("y", 0, 1) != 0.25
    assert trial.relative_params == {"x": 0.25, "n": 3}


def test_trial_never_left_running_after_optimize_warnings() -> None:
    study = _study()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(lambda t: t.suggest_float("x", 0, 1, step=0.3), n_trials=3)
    assert all(t.state is TrialState.COMPLETE for t in study.trials)
