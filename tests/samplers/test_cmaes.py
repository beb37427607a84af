from __future__ import annotations

import functools
import json
import logging
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import hpo
from hpo.distributions import FloatDistribution
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import CmaEsSampler, RandomSampler
from hpo.trial import TrialState, create_trial

pytest.importorskip("cmaes")


def _quiet(**kwargs: Any) -> CmaEsSampler:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return CmaEsSampler(**kwargs)


def sphere(trial: hpo.Trial) -> float:
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.0) ** 2 for i in range(3))


def mixed(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    n = trial.suggest_int("n", -4, 4)
    s = trial.suggest_float("s", 0.0, 1.0, step=0.1)
    return x**2 + math.log10(lr / 1e-2) ** 2 + (n - 1) ** 2 + (s - 0.3) ** 2


@pytest.fixture
def hpo_log() -> Iterator[list[str]]:
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(level=logging.WARNING)
    logger = logging.getLogger("hpo")
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


def _state_attrs(study: hpo.Study, prefix: str = "cma:") -> list[tuple[int, dict[str, Any]]]:
    return [
        (t.number, t.system_attrs[prefix + "state"])
        for t in study.trials
        if prefix + "state" in t.system_attrs
    ]


# --- quality and reproducibility -----------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beats_random_sampler_on_sphere(seed: int) -> None:
    cma = hpo.create_study(sampler=CmaEsSampler(seed=seed))
    cma.optimize(sphere, n_trials=120)
    rnd = hpo.create_study(sampler=RandomSampler(seed=seed))
    rnd.optimize(sphere, n_trials=120)
    assert cma.best_value < rnd.best_value / 10


def test_beats_random_sampler_with_log_int_and_step_parameters() -> None:
    cma = hpo.create_study(sampler=CmaEsSampler(seed=0, warn_independent_sampling=False))
    cma.optimize(mixed, n_trials=150)
    rnd = hpo.create_study(sampler=RandomSampler(seed=0))
    rnd.optimize(mixed, n_trials=150)
    assert cma.best_value < rnd.best_value
    for t in cma.trials:
        assert isinstance(t.params["n"], int) and -4 <= t.params["n"] <= 4
        assert 1e-4 <= t.params["lr"] <= 1.0
        assert abs(t.params["s"] * 10 - round(t.params["s"] * 10)) < 1e-8


def test_maximize_direction_is_respected() -> None:
    study = hpo.create_study(direction="maximize", sampler=CmaEsSampler(seed=0))
    study.optimize(lambda t: -sphere(t), n_trials=100)
    assert study.best_value > -0.5


def test_same_seed_gives_same_trials() -> None:
    runs = []
    for _ in range(2):
        study = hpo.create_study(sampler=CmaEsSampler(seed=7))
        study.optimize(sphere, n_trials=40)
        runs.append([t.params for t in study.trials])
    assert runs[0] == runs[1]
    other = hpo.create_study(sampler=CmaEsSampler(seed=8))
    other.optimize(sphere, n_trials=40)
    assert [t.params for t in other.trials] != runs[0]


# --- the shared JSON state -------------------------------------------------------------------


def test_state_is_plain_json_without_pickles() -> None:
    study = hpo.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(sphere, n_trials=30)
    states = _state_attrs(study)
    assert states, "a generation change must store the optimizer state"
    for t in study.trials:
        json.dumps(t.system_attrs, allow_nan=False)
        assert not any("optimizer" in key for key in t.system_attrs)
    # One state per generation, stored by the trial that opened the generation.
    generations = [state["gen"] for _, state in states]
    assert generations == sorted(set(generations))
    for number, state in states:
        assert study.trials[number].system_attrs["cma:generation"] == state["gen"]


def test_stored_state_stays_bounded_over_50_generations() -> None:
    sampler = CmaEsSampler(seed=0, popsize=4)
    study = hpo.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=1 + 4 * 51)
    states = _state_attrs(study)
    assert states[-1][1]["gen"] >= 50
    sizes = [len(json.dumps(state)) for _, state in states]
    # The state holds a fixed number of floats (mean, paths, covariance, a short value history
    # that fills during the first generations): no growth once that history is full.
    history = 10 + math.ceil(30 * 3 / 4)
    late = sizes[history + 1 :]
    assert len(late) >= 15
    assert max(late) <= min(late) + 150
    assert max(sizes) < 2600
    per_trial = [len(json.dumps(t.system_attrs)) for t in study.trials]
    assert max(per_trial) < 3100


def test_restarted_process_continues_exactly() -> None:
    storage = hpo.storages.InMemoryStorage()
    reference = hpo.create_study(storage=storage, sampler=CmaEsSampler(seed=3))
    reference.optimize(sphere, n_trials=40)

    split = hpo.create_study(storage=storage, sampler=CmaEsSampler(seed=3))
    split.optimize(sphere, n_trials=23)
    # A new sampler has nothing in memory: it must rebuild the optimizer from storage.
    resumed = hpo.load_study(
        study_name=split.study_name, storage=storage, sampler=CmaEsSampler(seed=3)
    )
    resumed.optimize(sphere, n_trials=17)
    assert [t.params for t in resumed.trials] == [t.params for t in reference.trials]


def test_workers_share_one_generation() -> None:
    sampler = CmaEsSampler(seed=0, popsize=5)
    study = hpo.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=1)
    # Five workers ask before any of them tells: all five belong to generation 0.
    trials = [study.ask() for _ in range(5)]
    for t in trials:
        sphere(t)
    assert {
        study._storage.get_trial(t._trial_id).system_attrs["cma:generation"] for t in trials
    } == {0}
    for t in trials:
        study.tell(t, sphere(t))
    nxt = study.ask()
    sphere(nxt)
    frozen = study._storage.get_trial(nxt._trial_id)
    assert frozen.system_attrs["cma:generation"] == 1
    assert frozen.system_attrs["cma:state"]["gen"] == 1
    # Another sampler instance (another worker) sees generation 1 as well.
    other = hpo.load_study(
        study_name=study.study_name, storage=study._storage, sampler=CmaEsSampler(seed=1)
    )
    t2 = other.ask()
    sphere(t2)
    assert other._storage.get_trial(t2._trial_id).system_attrs["cma:generation"] == 1


def test_incomplete_generation_waits_for_enough_finished_trials() -> None:
    study = hpo.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    study.optimize(sphere, n_trials=1)
    failing = [study.ask() for _ in range(4)]
    for t in failing:
        sphere(t)
        study.tell(t, state=TrialState.FAIL)
    t = study.ask()
    sphere(t)
    # FAIL trials are not solutions: generation 0 is still being filled.
    assert study._storage.get_trial(t._trial_id).system_attrs["cma:generation"] == 0


def test_pruned_trials_count_when_considered() -> None:
    def pruned(trial: hpo.Trial) -> float:
        trial.report(sphere(trial), step=0)
        raise hpo.TrialPruned()

    study = hpo.create_study(sampler=_quiet(seed=0, popsize=4, consider_pruned_trials=True))
    study.optimize(pruned, n_trials=14)
    assert _state_attrs(study), "PRUNED trials with a reported value must drive generations"
    plain = hpo.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    plain.optimize(pruned, n_trials=14)
    assert not _state_attrs(plain)


# --- variants --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, prefix",
    [
        ({"use_separable_cma": True}, "sepcma:"),
        ({"with_margin": True}, "cmawm:"),
        ({"lr_adapt": True}, "cma:"),
    ],
)
def test_variants_optimize_and_store_their_state(kwargs: dict[str, Any], prefix: str) -> None:
    study = hpo.create_study(sampler=_quiet(seed=0, **kwargs))
    study.optimize(mixed, n_trials=200)
    rnd = hpo.create_study(sampler=RandomSampler(seed=0))
    rnd.optimize(mixed, n_trials=200)
    assert study.best_value < rnd.best_value
    states = _state_attrs(study, prefix)
    assert states
    state = states[-1][1]
    if "use_separable_cma" in kwargs:
        assert len(state["C"]) == 4
    if "lr_adapt" in kwargs:
        assert "lr" in state
    if "with_margin" in kwargs:
        assert all(prefix + "x_for_tell" in t.system_attrs for t in study.trials[1:])


def test_with_margin_keeps_integer_parameters_moving() -> None:
    def objective(trial: hpo.Trial) -> float:
        return sum((trial.suggest_int(f"k{i}", -10, 10) - 3) ** 2 for i in range(3))

    study = hpo.create_study(sampler=_quiet(seed=0, with_margin=True))
    study.optimize(objective, n_trials=120)
    assert study.best_value <= 1


def test_popsize_sets_generation_length() -> None:
    study = hpo.create_study(sampler=CmaEsSampler(seed=0, popsize=7))
    study.optimize(sphere, n_trials=1 + 7 * 3 + 1)
    starts = [number for number, _ in _state_attrs(study)]
    assert starts == [8, 15, 22]


def test_source_trials_warm_start_concentrates_near_the_source_optimum() -> None:
    rng = np.random.RandomState(0)
    dists = {f"x{i}": FloatDistribution(-5.0, 5.0) for i in range(3)}
    source = []
    for _ in range(60):
        params = {name: float(rng.uniform(-5, 5)) for name in dists}
        value = sum((v - 1.0) ** 2 for v in params.values())
        source.append(create_trial(params=params, distributions=dists, value=value))

    def first_generation_distance(sampler: CmaEsSampler) -> float:
        study = hpo.create_study(sampler=sampler)
        study.optimize(sphere, n_trials=7)
        return float(np.mean([sphere(t) for t in study.trials[1:]]))

    warm = first_generation_distance(_quiet(seed=0, source_trials=source))
    cold = first_generation_distance(CmaEsSampler(seed=0))
    assert warm < cold


# --- restarts --------------------------------------------------------------------------------


def two_basins(trial: hpo.Trial) -> float:
    """A local minimum (0.5) at the centre, where CMA-ES starts, and the global one (0) away."""
    x = [trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(2)]
    return min(0.5 + x[0] ** 2 + x[1] ** 2, (x[0] - 2.5) ** 2 + (x[1] + 2.5) ** 2)


@functools.cache
def _best_after_restarts(seed: int, strategy: str | None) -> tuple[float, int, int]:
    # A small initial step keeps the first run inside the centre basin until it stalls.
    study = hpo.create_study(sampler=_quiet(seed=seed, sigma0=0.03, restart_strategy=strategy))
    study.optimize(two_basins, n_trials=400)
    last = _state_attrs(study)[-1][1]
    return study.best_value, last.get("restart", {}).get("n", 0), last["popsize"]


@pytest.mark.parametrize("strategy", ["ipop", "bipop"])
def test_restart_strategy_restarts_and_improves_on_multimodal_function(strategy: str) -> None:
    improved = 0
    for seed in range(4):
        plain, _, _ = _best_after_restarts(seed, None)
        best, n_restarts, popsize = _best_after_restarts(seed, strategy)
        assert plain == pytest.approx(0.5), "without restarts the search stays in the local basin"
        assert n_restarts >= 1, "the stalled search must restart"
        assert popsize == 12, "the first restart doubles the population"
        # Identical until the restart, the restarted search never ends up worse.
        assert best <= plain + 1e-9
        improved += best < 0.4
    assert improved >= 2


def test_bipop_gives_the_next_run_to_the_regime_that_spent_less() -> None:
    from hpo.samplers._cmaes import _restart

    rng = np.random.RandomState(0)
    state = {
        "names": ["a", "b"],
        "popsize": 6,
        "g": 50,
        "restart": _restart.initial_bookkeeping(6),
    }
    # After the first (default) run the first restart is a large one.
    _, sigma, popsize, book = _restart.plan_restart(state, "bipop", 2, 0.2, rng)
    assert (book["regime"], popsize, sigma, book["evals_large"]) == ("large", 12, 0.2, 300)
    # The large regime has spent 300 + 12 * 40 evaluations, the small one none: go small.
    state = {"names": ["a", "b"], "popsize": 12, "g": 40, "restart": book}
    _, sigma, popsize, book = _restart.plan_restart(state, "bipop", 2, 0.2, rng)
    assert book["regime"] == "small" and 3 <= popsize <= 12 and 0.002 <= sigma <= 0.2
    # Small runs continue until they have used as many evaluations as the large ones.
    state = {"names": ["a", "b"], "popsize": popsize, "g": 10, "restart": book}
    _, _, _, book = _restart.plan_restart(state, "bipop", 2, 0.2, rng)
    assert book["regime"] == "small"
    state = {"names": ["a", "b"], "popsize": 6, "g": 1000, "restart": book}
    _, sigma, popsize, book = _restart.plan_restart(state, "bipop", 2, 0.2, rng)
    assert (book["regime"], popsize, sigma, book["n"]) == ("large", 24, 0.2, 4)
    # IPOP always doubles.
    _, _, popsize, _ = _restart.plan_restart(state, "ipop", 3, 0.2, rng)
    assert popsize == 6 * 3**2


# --- warnings and errors ---------------------------------------------------------------------


def test_unknown_restart_strategy_is_rejected() -> None:
    with pytest.raises(ValueError, match="restart_strategy='lipop'"):
        CmaEsSampler(restart_strategy="lipop")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"popsize": 1}, "popsize"),
        ({"inc_popsize": 0}, "inc_popsize"),
        ({"sigma0": -1.0}, "sigma0"),
        ({"x0": [0.0]}, "x0"),
        ({"use_separable_cma": True, "with_margin": True}, "with_margin"),
        ({"lr_adapt": True, "use_separable_cma": True}, "lr_adapt"),
        ({"source_trials": [], "use_separable_cma": True}, "separable"),
        ({"source_trials": [], "x0": {"x": 0.0}}, "source_trials"),
    ],
)
def test_incompatible_or_bad_options_raise(kwargs: dict[str, Any], match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=match):
            CmaEsSampler(**kwargs)


@pytest.mark.parametrize(
    "x0, match",
    [
        ({"x0": 0.0, "x1": 0.0}, "no value for the parameters \\['x2'\\]"),
        ({"x0": 9.0, "x1": 0.0, "x2": 0.0}, "outside"),
    ],
)
def test_bad_x0_raises_naming_the_parameter(x0: dict[str, float], match: str) -> None:
    study = hpo.create_study(sampler=_quiet(x0=x0))
    study.optimize(sphere, n_trials=1)
    with pytest.raises(ValueError, match=match):
        study.optimize(sphere, n_trials=1)


def test_good_x0_and_sigma0_set_the_initial_distribution() -> None:
    with pytest.warns(FutureWarning) as record:
        sampler = CmaEsSampler(x0={"x0": 1.0, "x1": 1.0, "x2": 1.0}, sigma0=0.01, seed=0)
    messages = [str(w.message) for w in record]
    assert any("`x0` has been deprecated" in m for m in messages)
    assert any("`sigma0` has been deprecated" in m for m in messages)
    study = hpo.create_study(sampler=sampler)
    study.optimize(sphere, n_trials=6)
    for t in study.trials[1:]:
        assert all(abs(v - 1.0) < 0.5 for v in t.params.values())


def test_experimental_arguments_warn() -> None:
    for kwargs in (
        {"consider_pruned_trials": True},
        {"use_separable_cma": True},
        {"with_margin": True},
        {"lr_adapt": True},
        {"restart_strategy": "ipop"},
    ):
        with pytest.warns(ExperimentalWarning, match=next(iter(kwargs))):
            CmaEsSampler(**kwargs)


def test_no_numerical_parameters_falls_back_with_warning(hpo_log: list[str]) -> None:
    study = hpo.create_study(sampler=CmaEsSampler(seed=0))
    study.optimize(lambda t: float(t.suggest_categorical("c", ["a", "b", "c"]) == "b"), n_trials=5)
    assert not _state_attrs(study)
    fallbacks = [m for m in hpo_log if "sampled independently" in m]
    assert fallbacks and "`c`" in fallbacks[0] and "RandomSampler" in fallbacks[0]
    quiet = hpo.create_study(sampler=CmaEsSampler(seed=0, warn_independent_sampling=False))
    hpo_log.clear()
    quiet.optimize(lambda t: float(t.suggest_categorical("c", ["a", "b"]) == "b"), n_trials=5)
    assert not [m for m in hpo_log if "sampled independently" in m]


def test_dynamic_search_space_warns_once(hpo_log: list[str]) -> None:
    def objective(trial: hpo.Trial) -> float:
        value = trial.suggest_float("x", -1, 1) ** 2
        if trial.number >= 8:
            value += trial.suggest_float("y", -1, 1) ** 2
        return value

    study = hpo.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    study.optimize(objective, n_trials=8)
    hpo_log.clear()
    study.optimize(objective, n_trials=3)
    # The intersection search space is still {x}; `y` is sampled independently with a warning.
    assert any("`y`" in m and "sampled independently" in m for m in hpo_log)


def test_separable_cma_in_one_dimension_warns() -> None:
    study = hpo.create_study(sampler=_quiet(use_separable_cma=True, seed=0))
    with pytest.warns(UserWarning, match="single-dimensional"):
        study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)


def test_source_trials_without_compatible_trials_raise() -> None:
    source = [
        create_trial(params={"z": 0.5}, distributions={"z": FloatDistribution(0, 1)}, value=1.0)
    ]
    study = hpo.create_study(sampler=_quiet(source_trials=source))
    study.optimize(sphere, n_trials=1)
    with pytest.raises(ValueError, match="No compatible source_trials"):
        study.optimize(sphere, n_trials=1)


def test_multi_objective_is_rejected() -> None:
    study = hpo.create_study(directions=["minimize", "minimize"], sampler=CmaEsSampler())
    with pytest.raises(ValueError, match="single-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=2)


def test_constraints_warn() -> None:
    if not hasattr(hpo.Trial, "set_constraint"):
        pytest.skip("Trial.set_constraint is not available")

    def objective(trial: hpo.Trial) -> float:
        trial.set_constraint("c", 1.0)
        return sphere(trial)

    study = hpo.create_study(sampler=CmaEsSampler(seed=0))
    with pytest.warns(UserWarning, match="Constraints have been set"):
        study.optimize(objective, n_trials=1)


def test_threads_share_one_sampler() -> None:
    study = hpo.create_study(sampler=CmaEsSampler(seed=0, popsize=4))
    study.optimize(sphere, n_trials=60, n_jobs=2)
    assert len(study.trials) == 60
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert max(t.system_attrs.get("cma:generation", 0) for t in study.trials) >= 8
    assert study.best_value < 1.0


def test_old_positional_arguments_still_work_with_a_warning() -> None:
    with pytest.warns(FutureWarning, match="positional arguments"):
        sampler = CmaEsSampler(None, None, 5, seed=1)
    assert sampler._n_startup_trials == 5
    with pytest.raises(TypeError, match="multiple values"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            CmaEsSampler(None, None, 5, n_startup_trials=2)
