"""TPESampler behaviour: API, optimisation quality against random, constraints, parallelism,
reproducibility, caching and every warning."""

from __future__ import annotations

import inspect
import logging
import pickle
import statistics
import threading
import time
import warnings
from typing import Any

import numpy as np
import pytest

import hpo
from hpo._hypervolume import compute_hypervolume
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import RandomSampler, TPESampler
from hpo.samplers._tpe._history import TrialHistory
from hpo.samplers._tpe._split import default_weights
from hpo.trial import TrialState, create_trial


def sphere5(trial: hpo.Trial) -> float:
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(5))


def conditional(trial: hpo.Trial) -> float:
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    if kind == "a":
        return 2.0 + trial.suggest_float("u", -3.0, 3.0) ** 2
    if kind == "b":
        n = trial.suggest_int("n", 1, 40)
        lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
        return (n - 20) ** 2 / 100 + (np.log10(lr) + 2) ** 2
    return 1.0 + trial.suggest_float("v", 0.0, 1.0, step=0.1)


def _best_values(sampler_factory: Any, objective: Any, n_trials: int, seeds: range) -> list[float]:
    values = []
    for seed in seeds:
        study = hpo.create_study(sampler=sampler_factory(seed))
        study.optimize(objective, n_trials=n_trials)
        values.append(study.best_value)
    return values


def quiet_tpe(**kwargs: Any) -> TPESampler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TPESampler(**kwargs)


# --- API ----------------------------------------------------------------------------------------


def test_signature_matches_optuna() -> None:
    optuna = pytest.importorskip("optuna")
    ours = inspect.signature(TPESampler)
    theirs = inspect.signature(optuna.samplers.TPESampler)
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]


def test_default_sampler_of_create_study_is_tpe() -> None:
    assert isinstance(hpo.create_study().sampler, TPESampler)
    assert isinstance(hpo.create_study(directions=["minimize"] * 2).sampler, TPESampler)


def test_hyperopt_parameters_are_accepted_and_deprecated() -> None:
    with pytest.warns(FutureWarning, match="hyperopt_parameters"):
        params = TPESampler.hyperopt_parameters()
    assert params["n_startup_trials"] == 20 and params["weights"] is default_weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sampler = TPESampler(**params, seed=0)
    study = hpo.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=25)
    assert len(study.trials) == 25


# --- optimisation quality ------------------------------------------------------------------------


def test_beats_random_on_a_5d_sphere() -> None:
    tpe = _best_values(lambda s: TPESampler(seed=s), sphere5, 60, range(3))
    rnd = _best_values(lambda s: RandomSampler(seed=s), sphere5, 60, range(3))
    assert statistics.median(tpe) < 0.5 * statistics.median(rnd)


@pytest.mark.parametrize("group", [False, True])
def test_beats_random_on_a_conditional_mixed_space(group: bool) -> None:
    factory = lambda s: quiet_tpe(seed=s, group=group)
    tpe = _best_values(factory, conditional, 60, range(3))
    rnd = _best_values(lambda s: RandomSampler(seed=s), conditional, 60, range(3))
    assert statistics.median(tpe) < statistics.median(rnd)
    assert statistics.median(tpe) < 0.2


def _two_objectives(trial: hpo.Trial) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    z = trial.suggest_float("z", 0.0, 1.0)
    g = 1 + 4 * (y - 0.5) ** 2 + 4 * (z - 0.5) ** 2
    return x * g, (1 - x) * g


def _front_hypervolume(study: hpo.Study) -> float:
    values = np.array([t.values for t in study.best_trials])
    return compute_hypervolume(values, np.array([2.0, 2.0]))


def test_multi_objective_front_improves_over_random() -> None:
    tpe, rnd = [], []
    for seed in range(3):
        for sampler, out in ((TPESampler(seed=seed), tpe), (RandomSampler(seed=seed), rnd)):
            study = hpo.create_study(directions=["minimize", "minimize"], sampler=sampler)
            study.optimize(_two_objectives, n_trials=50)
            out.append(_front_hypervolume(study))
    assert statistics.median(tpe) > statistics.median(rnd)


def test_multi_objective_defaults_to_independent_sampling() -> None:
    study = hpo.create_study(directions=["minimize", "minimize"], sampler=TPESampler(seed=0))
    study.optimize(_two_objectives, n_trials=12)
    trial = study.trials[-1]
    assert study.sampler.infer_relative_search_space(study, trial) == {}


# --- constraints ----------------------------------------------------------------------------------


def _constrained(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -10.0, 10.0)
    y = trial.suggest_float("y", -10.0, 10.0)
    trial.set_constraint("c", 3.0 - x)  # feasible iff x >= 3
    return x**2 + y**2


def _feasible_fraction(study: hpo.Study, start: int) -> float:
    trials = study.trials[start:]
    return sum(t.params["x"] >= 3.0 for t in trials) / len(trials)


def test_constraints_are_respected() -> None:
    tpe = hpo.create_study(sampler=TPESampler(seed=0))
    tpe.optimize(_constrained, n_trials=60)
    rnd = hpo.create_study(sampler=RandomSampler(seed=0))
    rnd.optimize(_constrained, n_trials=60)
    assert _feasible_fraction(tpe, 20) > _feasible_fraction(rnd, 20) + 0.15
    assert tpe.best_trial.params["x"] >= 3.0
    assert tpe.best_value < 12.0


def test_constraints_func_is_deprecated_but_works() -> None:
    def func(trial: hpo.trial.FrozenTrial) -> list[float]:
        return [3.0 - trial.params["x"]]

    with pytest.warns(FutureWarning, match="constraints_func"):
        sampler = TPESampler(seed=0, constraints_func=func)
    study = hpo.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=40)
    assert list(study.trials[0].system_attrs["constraints"]) == [3.0 - study.trials[0].params["x"]]
    later = study.trials[15:]
    assert sum(t.params["x"] >= 3.0 for t in later) / len(later) > 0.5


# --- pruned trials ---------------------------------------------------------------------------------


def test_pruned_trials_guide_the_search_by_progress() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=5))
    rng = np.random.RandomState(0)
    dist = FloatDistribution(-10.0, 10.0)
    for _ in range(40):
        x = float(rng.uniform(-10, 10))
        steps = 10 if abs(x - 6.0) < 1.5 else 1  # trials near x = 6 got furthest
        study.add_trial(
            create_trial(
                state=TrialState.PRUNED,
                params={"x": x},
                distributions={"x": dist},
                intermediate_values={s: 1.0 for s in range(steps)},
            )
        )
    study.optimize(lambda t: t.suggest_float("x", -10, 10), n_trials=10)
    suggested = [t.params["x"] for t in study.trials[40:]]
    assert statistics.median(abs(x - 6.0) for x in suggested) < 2.0


# --- parallelism and the constant liar -------------------------------------------------------------


def _seeded_study(constant_liar: bool) -> hpo.Study:
    study = hpo.create_study(sampler=TPESampler(seed=0, constant_liar=constant_liar))
    dist = FloatDistribution(-10.0, 10.0)
    for x in np.linspace(-9, 9, 20):
        study.add_trial(
            create_trial(params={"x": float(x)}, distributions={"x": dist}, value=float(x**2))
        )
    return study


@pytest.mark.parametrize("constant_liar", [True, False])
def test_constant_liar_makes_concurrent_suggestions_differ(constant_liar: bool) -> None:
    study = _seeded_study(constant_liar)
    suggestions = []
    for _ in range(2):
        study.sampler._rng = np.random.RandomState(42)  # same candidates for both asks
        trial = study.ask()
        suggestions.append(trial.suggest_float("x", -10, 10))  # both stay RUNNING
    if constant_liar:
        assert suggestions[0] != suggestions[1]
    else:
        assert suggestions[0] == suggestions[1]


def test_four_threads_with_constant_liar_suggest_distinct_points() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=8))
    running_seen: list[int] = []
    lock = threading.Lock()

    def objective(trial: hpo.Trial) -> float:
        x = trial.suggest_float("x", -5.0, 5.0)
        y = trial.suggest_int("y", -5, 5)
        with lock:
            running_seen.append(
                len(study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)))
            )
        time.sleep(0.005)
        return x**2 + y**2

    study.optimize(objective, n_trials=48, n_jobs=4)
    points = [(t.params["x"], t.params["y"]) for t in study.trials]
    assert len(set(points)) == len(points)
    assert max(running_seen) > 1  # trials really overlapped
    relative = [t for t in study.trials if "tpe:relative_params:0" in t.system_attrs]
    assert relative  # joint samples are shared with the other workers


def test_running_trials_relative_params_count_as_bad() -> None:
    study = _seeded_study(True)
    first = study.ask()
    study.sampler._rng = np.random.RandomState(1)
    first.suggest_float("x", -10, 10)
    assert "tpe:relative_params:0" in first.system_attrs or first.params
    study.sampler._rng = np.random.RandomState(1)
    second = study.ask()
    assert second.suggest_float("x", -10, 10) != first.params["x"]


def test_a_lone_worker_does_not_share_its_joint_sample() -> None:
    # The shared sample only helps other running workers; nobody else runs here.
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) + t.suggest_int("y", 0, 3), n_trials=10)
    assert not any("tpe:relative_params:0" in t.system_attrs for t in study.trials)
    assert study.trials[-1].params  # the trials were sampled jointly all the same


def test_sampler_keeps_no_per_size_weight_arrays() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2)
    study = hpo.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=60)
    assert len(sampler._weights_cache) <= 4


# --- reproducibility -------------------------------------------------------------------------------


def _mixed(trial: hpo.Trial) -> float:
    a = trial.suggest_float("a", -5, 5)
    b = trial.suggest_float("b", 1e-3, 1.0, log=True)
    c = trial.suggest_int("c", 0, 12, step=3)
    d = trial.suggest_categorical("d", ["p", "q", None])
    e = trial.suggest_int("e", 1, 100, log=True)
    return a**2 + b + c + (d == "q") + e / 100


@pytest.mark.parametrize(
    "kwargs,directions",
    [
        ({}, ["minimize"]),
        ({"multivariate": False}, ["minimize"]),
        ({"group": True}, ["minimize"]),
        ({}, ["minimize", "maximize"]),
    ],
)
def test_same_seed_same_suggestions(kwargs: dict[str, Any], directions: list[str]) -> None:
    objective = _mixed if len(directions) == 1 else (lambda t: (_mixed(t), t.params["a"]))
    runs = []
    for _ in range(2):
        study = hpo.create_study(directions=directions, sampler=quiet_tpe(seed=3, **kwargs))
        study.optimize(objective, n_trials=30)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    for params in runs[0]:
        assert params["c"] in (0, 3, 6, 9, 12) and isinstance(params["c"], int)
        assert 1 <= params["e"] <= 100 and params["d"] in ("p", "q", None)


def test_reseed_rng_changes_the_stream() -> None:
    sampler = TPESampler(seed=0)
    before = sampler._rng.get_state()[1].copy()
    sampler.reseed_rng()
    assert not np.array_equal(before, sampler._rng.get_state()[1])


def test_pickled_sampler_continues_the_same_way() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, constant_liar=False))
    study.optimize(_mixed, n_trials=15)
    copy = pickle.loads(pickle.dumps(study.sampler))
    trial = study.ask()._cached_frozen_trial
    space = {"a": FloatDistribution(-5, 5)}
    study.sampler._rng = np.random.RandomState(5)
    copy._rng = np.random.RandomState(5)
    assert study.sampler.sample_relative(study, trial, space) == copy.sample_relative(
        study, trial, space
    )


# --- search spaces ---------------------------------------------------------------------------------


def test_group_samples_conditional_subspaces_jointly() -> None:
    sampler = quiet_tpe(seed=0, group=True)
    study = hpo.create_study(sampler=sampler)
    study.optimize(conditional, n_trials=25)
    space = sampler.infer_relative_search_space(study, study.trials[-1])
    assert {"kind", "n", "lr"} <= set(space)
    plain = TPESampler(seed=0)
    assert set(plain.infer_relative_search_space(study, study.trials[-1])) == {"kind"}


def test_distribution_changes_between_trials_are_handled() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=3))
    study.optimize(lambda t: t.suggest_float("x", 0, 10), n_trials=6)
    study.optimize(lambda t: t.suggest_float("x", 5, 6), n_trials=6)
    study.optimize(lambda t: t.suggest_int("n", 0, 100), n_trials=6)
    study.optimize(lambda t: t.suggest_int("n", 40, 45), n_trials=6)
    for t in study.trials[6:12]:
        assert 5 <= t.params["x"] <= 6
    for t in study.trials[18:]:
        assert 40 <= t.params["n"] <= 45


# --- the incremental cache -------------------------------------------------------------------------


def test_history_follows_out_of_order_completion() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=0))
    asked = [study.ask() for _ in range(6)]
    for t in asked:
        t.suggest_float("x", -1, 1)
    for t in (asked[3], asked[0], asked[5]):
        study.tell(t, t.params["x"] ** 2)
    sampler = study.sampler
    sampler._history(study, asked[1]._cached_frozen_trial)
    for t in (asked[1], asked[4], asked[2]):
        study.tell(t, t.params["x"] ** 2)
    history = sampler._history(study, study.ask()._cached_frozen_trial)
    assert sorted(history.numbers[: history.n].tolist()) == list(range(6))
    order = history.order()
    assert history.numbers[order].tolist() == list(range(6))
    xs = {t.number: t.params["x"] for t in study.trials if t.state is TrialState.COMPLETE}
    column = history.params[: history.n, history.columns["x"]]
    assert {int(n): v for n, v in zip(history.numbers[: history.n], column)} == xs


def test_cache_is_rebuilt_for_a_different_storage_with_the_same_study_id() -> None:
    sampler = TPESampler(seed=0, n_startup_trials=2)
    first = hpo.create_study(sampler=sampler)
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=5)
    second = hpo.create_study(sampler=sampler)  # a new in-memory storage
    assert second._study_id == first._study_id
    second.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    history = sampler._history(second, second.ask()._cached_frozen_trial)
    assert history.n == 3


class _EvenNumbers(hpo.Study):
    """A filtered view of a study, like the one a pruner may show the sampler."""

    def __init__(self, base: hpo.Study) -> None:
        self.__dict__.update(base.__dict__)

    def _get_trials(self, deepcopy=True, states=None, use_cache=False):  # type: ignore[no-untyped-def]
        trials = super()._get_trials(deepcopy, states, use_cache)
        return [t for t in trials if t.number % 2 == 0]


def test_history_is_rebuilt_when_the_study_shows_fewer_trials_than_seen() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=2))
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=6)
    history = TrialHistory(study._storage, study._study_id, study.directions)
    history.update(study)
    assert history.n == 6
    history.update(_EvenNumbers(study))
    assert sorted(history.numbers[: history.n].tolist()) == [0, 2, 4]
    history.update(study)
    assert sorted(history.numbers[: history.n].tolist()) == list(range(6))


def test_history_picks_up_trials_that_finish_after_they_were_seen_running() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, n_startup_trials=0))
    slow = study.ask()
    slow.suggest_float("x", -1, 1)
    for _ in range(3):
        study.optimize(lambda t: t.suggest_float("x", -1, 1), n_trials=1)
    history = TrialHistory(study._storage, study._study_id, study.directions)
    history.update(study)
    assert history.n == 3 and [t.number for t in history.running] == [0]
    study.tell(slow, 0.5)
    history.update(study)
    assert history.n == 4 and history.running == []
    assert history.losses[: history.n][history.numbers[: history.n] == 0, 0].tolist() == [0.5]


# --- warnings and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,value",
    [
        ("consider_prior", True),
        ("prior_weight", 2.0),
        ("consider_magic_clip", False),
        ("consider_endpoints", True),
        ("gamma", lambda n: 2),
        ("weights", lambda n: np.ones(n)),
        ("warn_independent_sampling", True),
    ],
)
def test_deprecated_arguments_warn(name: str, value: Any) -> None:
    with pytest.warns(FutureWarning, match=name):
        TPESampler(**{name: value})


def test_defaults_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TPESampler()
        TPESampler(multivariate=True, constant_liar=False, seed=1)


def test_group_is_experimental_and_needs_multivariate() -> None:
    with pytest.warns(ExperimentalWarning, match="group"):
        TPESampler(group=True)
    with pytest.raises(ValueError, match="multivariate"):
        TPESampler(group=True, multivariate=False)


def test_group_on_multi_objective_warns_that_multivariate_is_forced() -> None:
    sampler = quiet_tpe(group=True, seed=0)
    study = hpo.create_study(directions=["minimize", "minimize"], sampler=sampler)
    with pytest.warns(UserWarning, match="multivariate"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1)), 3)


def test_warn_independent_sampling_logs(caplog: pytest.LogCaptureFixture) -> None:
    sampler = quiet_tpe(seed=0, n_startup_trials=2, warn_independent_sampling=True)
    study = hpo.create_study(sampler=sampler)

    def objective(t: hpo.Trial) -> float:
        x = t.suggest_float("x", 0, 1)
        if t.number % 2:
            return x + t.suggest_float("y", 0, 1)
        return x

    messages: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("hpo")
    logger.addHandler(handler)
    try:
        study.optimize(objective, n_trials=8)
    finally:
        logger.removeHandler(handler)
    assert any("`y`" in m and "independently" in m for m in messages)
    assert not any("`x`" in m for m in messages)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"prior_weight": -1.0}, "prior_weight"),
        ({"n_ei_candidates": 0}, "n_ei_candidates"),
    ],
)
def test_invalid_arguments_raise(kwargs: dict[str, Any], match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=match):
            TPESampler(**kwargs)


@pytest.mark.parametrize(
    "weights,match",
    [
        (lambda n: -np.ones(n), "negative"),
        (lambda n: np.zeros(n), "all-zero"),
        (lambda n: np.full(n, np.inf), "infinite"),
    ],
)
def test_bad_weights_function_raises(weights: Any, match: str) -> None:
    sampler = quiet_tpe(seed=0, n_startup_trials=2, weights=weights)
    study = hpo.create_study(sampler=sampler)
    with pytest.raises(ValueError, match=match):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4)


def test_custom_gamma_sets_the_good_group_size() -> None:
    sizes: list[int] = []

    def gamma(n: int) -> int:
        sizes.append(n)
        return 3

    sampler = quiet_tpe(seed=0, n_startup_trials=4, gamma=gamma)
    study = hpo.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=8)
    assert sizes[0] == 4 and sizes[-1] == 7


def test_int_categorical_and_single_value_params_in_independent_mode() -> None:
    study = hpo.create_study(sampler=TPESampler(seed=0, multivariate=False, n_startup_trials=3))

    def objective(t: hpo.Trial) -> float:
        n = t.suggest_int("n", 1, 9, step=2)
        c = t.suggest_categorical("c", [True, False])
        f = t.suggest_float("f", 2.0, 2.0)
        return n + (0 if c else 1) + f

    study.optimize(objective, n_trials=15)
    assert study.best_value == 3.0 + 2.0 or study.best_value <= 5.0
    for t in study.trials:
        assert t.params["n"] in (1, 3, 5, 7, 9) and t.params["f"] == 2.0
    assert isinstance(study.trials[-1].distributions["c"], CategoricalDistribution)
    assert isinstance(study.trials[-1].distributions["n"], IntDistribution)
