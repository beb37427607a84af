from __future__ import annotations

import inspect
import pickle
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

import hpo
from hpo._hypervolume import compute_hypervolume
from hpo.exceptions import ExperimentalWarning
from hpo.samplers import BaseGASampler, NSGAIISampler, RandomSampler
from hpo.samplers.nsgaii import (
    BaseCrossover,
    BaseMutation,
    BLXAlphaCrossover,
    PolynomialMutation,
    SBXCrossover,
    SPXCrossover,
    UNDXCrossover,
    UniformCrossover,
    VSBXCrossover,
)
from hpo.samplers.nsgaii._selection import (
    constrained_dominates,
    crowding_distance,
    fast_non_domination_rank,
)
from hpo.study._multi_objective import non_domination_rank
from hpo.trial import TrialState

GEN_KEY = "NSGAIISampler:generation"
PARENT_KEY = "NSGAIISampler:parent:"


@pytest.fixture(autouse=True)
def _no_experimental_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


def zdt1(trial: hpo.trial.Trial) -> tuple[float, float]:
    xs = [trial.suggest_float(f"x{i}", 0, 1) for i in range(5)]
    g = 1 + 9 * sum(xs[1:]) / 4
    return xs[0], g * (1 - (xs[0] / g) ** 0.5)


def _mo_study(sampler: hpo.samplers.BaseSampler) -> hpo.Study:
    return hpo.create_study(directions=["minimize", "minimize"], sampler=sampler)


def _hypervolume(study: hpo.Study) -> float:
    front = np.array([t.values for t in study.best_trials])
    return compute_hypervolume(front, np.array([1.1, 6.0]))


@pytest.mark.parametrize("seed", [0, 1])
def test_front_beats_random_search_on_zdt1(seed: int) -> None:
    nsga = _mo_study(NSGAIISampler(population_size=20, seed=seed))
    nsga.optimize(zdt1, n_trials=200)
    rand = _mo_study(RandomSampler(seed=seed))
    rand.optimize(zdt1, n_trials=200)
    assert _hypervolume(nsga) > _hypervolume(rand) + 0.2


def test_same_seed_same_trials() -> None:
    def run() -> list[dict]:
        study = _mo_study(NSGAIISampler(population_size=6, seed=7))
        study.optimize(zdt1, n_trials=25)
        return [t.params for t in study.trials]

    assert run() == run()


def test_generations_and_parents_are_recorded_in_storage() -> None:
    study = _mo_study(NSGAIISampler(population_size=10, seed=0))
    study.optimize(zdt1, n_trials=35)
    generations = [t.system_attrs[GEN_KEY] for t in study.trials]
    assert generations == [0] * 10 + [1] * 10 + [2] * 10 + [3] * 5
    attrs = study.system_attrs
    assert sorted(attrs[PARENT_KEY + "1"]) == [t._trial_id for t in study.trials[:10]]
    for g in (2, 3):
        assert len(attrs[PARENT_KEY + str(g)]) == 10


def test_elites_are_the_best_ranked_of_previous_generation_and_its_parents() -> None:
    sampler = NSGAIISampler(population_size=8, seed=0)
    study = _mo_study(sampler)
    study.optimize(zdt1, n_trials=24)
    pool = sampler.get_population(study, 1) + sampler.get_parent_population(study, 1)
    elites = {t._trial_id for t in sampler.get_parent_population(study, 2)}
    loss = np.array([t.values for t in pool])
    ranks = non_domination_rank(loss)
    chosen = np.array([t._trial_id in elites for t in pool])
    assert chosen.sum() == 8
    assert ranks[chosen].max() <= ranks[~chosen].min()


def test_generation_counts_trials_completing_out_of_order() -> None:
    study = _mo_study(NSGAIISampler(population_size=2, seed=0))
    t0, t1, t2 = study.ask(), study.ask(), study.ask()
    study.tell(t2, [1.0, 1.0])
    study.tell(t0, [1.0, 1.0])
    t3 = study.ask()
    study.tell(t1, [1.0, 1.0])
    t4 = study.ask()
    study.tell(t3, [1.0, 1.0])
    study.tell(t4, [1.0, 1.0])
    t5 = study.ask()
    gens = [t.system_attrs[GEN_KEY] for t in study.trials]
    assert gens == [0, 0, 0, 1, 1, 2]
    assert t5.number == 5


def test_other_process_parent_choice_in_storage_wins_over_the_cache() -> None:
    sampler = NSGAIISampler(population_size=4, seed=0)
    study = _mo_study(sampler)
    study.optimize(zdt1, n_trials=9)
    assert len(sampler.get_parent_population(study, 2)) == 4
    replacement = [t._trial_id for t in study.trials[:4]]
    study.set_system_attr(PARENT_KEY + "2", replacement)
    assert [t._trial_id for t in sampler.get_parent_population(study, 2)] == replacement


def test_fast_non_domination_rank_matches_iterated_pareto_fronts() -> None:
    rng = np.random.RandomState(0)
    loss = rng.randint(0, 5, size=(60, 3)).astype(float)  # many ties and duplicates
    np.testing.assert_array_equal(fast_non_domination_rank(loss), non_domination_rank(loss))


def test_constrained_rank_puts_feasible_first_then_by_violation() -> None:
    loss = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [0.0, 0.0], [5.0, 5.0], [0.0, 0.0]])
    penalty = np.array([0.0, 0.0, -1.0, 3.0, 0.0, 1.0])
    assert fast_non_domination_rank(loss, penalty).tolist() == [0, 1, 1, 4, 2, 3]


def test_crowding_distance() -> None:
    loss = np.array([[0.0, 4.0], [1.0, 2.0], [3.0, 1.0], [4.0, 0.0]])
    d = crowding_distance(loss)
    assert np.isinf(d[0]) and np.isinf(d[3])
    np.testing.assert_allclose(d[1:3], [3 / 4 + 3 / 4, 3 / 4 + 2 / 4])
    assert crowding_distance(np.ones((3, 2))).tolist() == [0.0, 0.0, 0.0]


def test_constrained_dominates() -> None:
    def trial(values: Sequence[float], constraints: Sequence[float]) -> hpo.trial.FrozenTrial:
        t = hpo.trial.create_trial(values=list(values))
        t.system_attrs["constraints"] = list(constraints)
        return t

    d = [hpo.study.StudyDirection.MINIMIZE] * 2
    assert constrained_dominates(trial([9, 9], [0]), trial([0, 0], [1]), d)
    assert not constrained_dominates(trial([0, 0], [1]), trial([9, 9], [0]), d)
    assert constrained_dominates(trial([9, 9], [1]), trial([0, 0], [2]), d)
    assert constrained_dominates(trial([0, 0], [-1]), trial([1, 1], [0]), d)
    assert not constrained_dominates(trial([0, 1], [-1]), trial([1, 0], [0]), d)


def _constrained(trial: hpo.trial.Trial) -> tuple[float, float]:
    values = zdt1(trial)
    trial.set_constraint("x0_at_least_half", 0.5 - trial.params["x0"])
    return values


def test_set_constraint_steers_parents_to_the_feasible_region() -> None:
    sampler = NSGAIISampler(population_size=10, seed=0)
    study = _mo_study(sampler)
    study.optimize(_constrained, n_trials=60)
    parents = sampler.get_parent_population(study, 5)
    assert all(t.params["x0"] >= 0.5 for t in parents)
    last = [t for t in study.trials if t.system_attrs[GEN_KEY] == 5]
    first = study.trials[:10]
    feasible_share = [np.mean([t.params["x0"] >= 0.5 for t in ts]) for ts in (first, last)]
    assert feasible_share[1] > feasible_share[0]


def test_constraints_func_is_deprecated_but_stored_and_used() -> None:
    with pytest.warns(FutureWarning, match="constraints_func"):
        sampler = NSGAIISampler(
            population_size=6, seed=0, constraints_func=lambda t: [0.5 - t.params["x0"]]
        )
    study = _mo_study(sampler)
    study.optimize(zdt1, n_trials=30)
    assert all(t.constraints == {"0": 0.5 - t.params["x0"]} for t in study.trials)
    assert all(t.params["x0"] >= 0.5 for t in sampler.get_parent_population(study, 4))


ALL_CROSSOVERS = [
    UniformCrossover,
    BLXAlphaCrossover,
    SPXCrossover,
    SBXCrossover,
    VSBXCrossover,
    UNDXCrossover,
]


@pytest.mark.parametrize("crossover_cls", ALL_CROSSOVERS, ids=lambda c: c.__name__)
def test_every_crossover_yields_valid_children_on_a_mixed_space(crossover_cls: type) -> None:
    crossover = crossover_cls()

    def objective(trial: hpo.trial.Trial) -> tuple[float, float]:
        a = trial.suggest_float("a", 1e-3, 1.0, log=True)
        b = trial.suggest_int("b", 0, 10, step=2)
        c = trial.suggest_categorical("c", ["p", "q", "r"])
        d = trial.suggest_float("d", -1, 1, step=0.5)
        return a + b, (c == "p") - d

    sampler = NSGAIISampler(population_size=6, crossover=crossover, seed=0)
    study = _mo_study(sampler)
    study.optimize(objective, n_trials=24)
    assert study.trials[-1].system_attrs[GEN_KEY] == 3
    for t in study.trials:
        for name, value in t.params.items():
            dist = t.distributions[name]
            assert dist._contains(dist.to_internal_repr(value))


@pytest.mark.parametrize("crossover_cls", ALL_CROSSOVERS, ids=lambda c: c.__name__)
def test_crossover_output_shape(crossover_cls: type) -> None:
    crossover: BaseCrossover = crossover_cls()
    parents = np.array([[0.1, 0.2, 0.3], [0.4, 0.6, 0.5], [0.2, 0.9, 0.1]])[: crossover.n_parents]
    bounds = np.array([[0.0, 1.0]] * 3)
    child = crossover.crossover(
        parents, np.random.RandomState(0), _mo_study(RandomSampler()), bounds
    )
    assert child.shape == (3,) and np.all(np.isfinite(child))


def test_uniform_crossover_takes_every_gene_from_a_parent() -> None:
    parents = np.array([[0.0] * 20, [1.0] * 20])
    study = _mo_study(RandomSampler())
    child = UniformCrossover(0.5).crossover(parents, np.random.RandomState(0), study, parents.T)
    assert set(child.tolist()) == {0.0, 1.0}
    none_swapped = UniformCrossover(0.0).crossover(
        parents, np.random.RandomState(0), study, parents.T
    )
    assert none_swapped.tolist() == [0.0] * 20


def test_blx_child_stays_in_the_widened_box() -> None:
    parents = np.array([[0.4, 0.5], [0.6, 0.5]])
    rng = np.random.RandomState(0)
    study = _mo_study(RandomSampler())
    children = np.array(
        [
            BLXAlphaCrossover(0.5).crossover(parents, rng, study, np.zeros((2, 2)))
            for _ in range(200)
        ]
    )
    assert children[:, 0].min() >= 0.3 and children[:, 0].max() <= 0.7
    assert children[:, 0].min() < 0.35 and children[:, 0].max() > 0.65
    assert np.all(children[:, 1] == 0.5)


def test_polynomial_mutation_perturbs_within_bounds() -> None:
    def objective(trial: hpo.trial.Trial) -> tuple[float, float]:
        return zdt1(trial)

    sampler = NSGAIISampler(
        population_size=6,
        seed=0,
        mutation=PolynomialMutation(eta=5),
        mutation_prob=1.0,
        crossover_prob=0.0,
    )
    study = _mo_study(sampler)
    study.optimize(objective, n_trials=12)
    parents = {tuple(t.params.values()) for t in study.trials[:6]}
    for t in study.trials[6:]:
        assert tuple(t.params.values()) not in parents
        assert all(0 <= v <= 1 for v in t.params.values())
    m = PolynomialMutation(eta=20)
    values = [
        m.mutation(0.5, np.random.RandomState(i), study, np.array([0.0, 1.0])) for i in range(50)
    ]
    assert all(0 <= v <= 1 for v in values) and np.std(values) > 0


def test_custom_strategies_replace_the_defaults() -> None:
    calls: list[str] = []

    def elite(study: hpo.Study, population: list) -> list:
        calls.append("elite")
        return population[:2]

    def child(study: hpo.Study, space: dict, parents: list) -> dict:
        calls.append("child")
        return {name: 0.25 for name in space}

    def after(study: hpo.Study, trial: hpo.trial.FrozenTrial, state: TrialState, values) -> None:
        calls.append("after")

    with pytest.warns(ExperimentalWarning) as record:
        sampler = NSGAIISampler(
            population_size=3,
            seed=0,
            elite_population_selection_strategy=elite,
            child_generation_strategy=child,
            after_trial_strategy=after,
        )
    messages = " ".join(str(w.message) for w in record)
    for name in (
        "elite_population_selection_strategy",
        "child_generation_strategy",
        "after_trial_strategy",
    ):
        assert f"Argument ``{name}`` is an experimental feature" in messages
    study = _mo_study(sampler)
    study.optimize(zdt1, n_trials=5)
    assert calls.count("after") == 5 and "elite" in calls and "child" in calls
    assert all(v == 0.25 for v in study.trials[4].params.values())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"population_size": 1}, "population_size.*2"),
        ({"population_size": 2.5}, "population_size.*2.5"),
        ({"crossover": "uniform"}, "'uniform' is not a valid crossover"),
        ({"population_size": 2, "crossover": "SPX"}, "greater than or equal to 3"),
        ({"crossover_prob": 1.5}, "crossover_prob.*1.5"),
        ({"swapping_prob": -0.1}, "swapping_prob.*-0.1"),
        ({"mutation_prob": 2.0}, "mutation_prob.*2.0"),
        ({"mutation": "gauss"}, "mutation.*BaseMutation"),
    ],
)
def test_invalid_arguments(kwargs: dict, match: str) -> None:
    if kwargs.get("crossover") == "SPX":
        kwargs = {**kwargs, "crossover": SPXCrossover()}
    with pytest.raises(ValueError, match=match):
        NSGAIISampler(**kwargs)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: UniformCrossover(swapping_prob=1.5), "swapping_prob"),
        (lambda: SBXCrossover(eta=-1.0), "eta"),
        (lambda: SBXCrossover(uniform_crossover_prob=2.0), "uniform_crossover_prob"),
        (lambda: VSBXCrossover(use_child_gene_prob=0.0), "use_child_gene_prob"),
        (lambda: PolynomialMutation(eta=-1), "eta"),
    ],
)
def test_invalid_operator_arguments(make, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "cls",
    [
        BLXAlphaCrossover,
        SPXCrossover,
        SBXCrossover,
        VSBXCrossover,
        UNDXCrossover,
        PolynomialMutation,
    ],
)
def test_experimental_operators_warn(cls: type) -> None:
    with pytest.warns(ExperimentalWarning):
        cls()


def test_uniform_crossover_is_not_experimental() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        UniformCrossover()
        NSGAIISampler()


def test_generation_keys_are_per_subclass() -> None:
    class MyGA(BaseGASampler):
        def select_parent(self, study: hpo.Study, generation: int) -> list:
            return []

        def infer_relative_search_space(self, study, trial):  # type: ignore[no-untyped-def]
            return {}

        def sample_relative(self, study, trial, search_space):  # type: ignore[no-untyped-def]
            return {}

        def sample_independent(self, study, trial, name, dist):  # type: ignore[no-untyped-def]
            return dist.low

    assert MyGA._get_generation_key() == "MyGA:generation"
    sampler = MyGA(population_size=2)
    study = hpo.create_study(sampler=sampler)
    generations = []
    for _ in range(5):
        trial = study.ask()
        generations.append(sampler.get_trial_generation(study, trial._cached_frozen_trial))
        study.tell(trial, 0.0)
    assert generations == [0, 0, 1, 1, 2]
    assert sampler.get_parent_population(study, 1) == []
    assert study.system_attrs["MyGA:parent:1"] == []
    with pytest.raises(TypeError):
        BaseGASampler(population_size=2)  # type: ignore[abstract]


def test_parallel_threads_and_pickling() -> None:
    sampler = pickle.loads(pickle.dumps(NSGAIISampler(population_size=6, seed=0)))
    study = _mo_study(sampler)
    study.optimize(zdt1, n_trials=30, n_jobs=2)
    counts = {}
    for t in study.trials:
        counts[t.system_attrs[GEN_KEY]] = counts.get(t.system_attrs[GEN_KEY], 0) + 1
    assert sum(counts.values()) == 30 and max(counts) >= 3


def test_public_api_matches_optuna() -> None:
    optuna = pytest.importorskip("optuna")
    pairs = [
        (NSGAIISampler, optuna.samplers.NSGAIISampler),
        (hpo.samplers.QMCSampler, optuna.samplers.QMCSampler),
        (BaseGASampler, optuna.samplers.BaseGASampler),
    ]
    for name in optuna.samplers.nsgaii.__all__:
        pairs.append((getattr(hpo.samplers.nsgaii, name), getattr(optuna.samplers.nsgaii, name)))
    for ours, theirs in pairs:
        for attr in (
            "__init__",
            "crossover",
            "mutation",
            "select_parent",
            "get_population",
            "get_parent_population",
            "get_trial_generation",
        ):
            if hasattr(theirs, attr):
                a = inspect.signature(getattr(ours, attr)).parameters
                b = inspect.signature(getattr(theirs, attr)).parameters
                assert [(p.name, p.default, p.kind) for p in a.values()] == [
                    (p.name, p.default, p.kind) for p in b.values()
                ], (ours, attr)
    assert set(hpo.samplers.nsgaii.__all__) == set(optuna.samplers.nsgaii.__all__)
    assert issubclass(NSGAIISampler, BaseGASampler)
    assert issubclass(PolynomialMutation, BaseMutation)
