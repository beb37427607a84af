"""The NSGA-II sampler."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo.exceptions import ExperimentalWarning
from hpo.samplers._base import process_constraints_after_trial
from hpo.samplers._ga._base import BaseGASampler
from hpo.samplers._random import RandomSampler
from hpo.samplers.nsgaii._child_generation import NSGAIIChildGenerationStrategy
from hpo.samplers.nsgaii._crossovers import BaseCrossover, UniformCrossover
from hpo.samplers.nsgaii._mutations import BaseMutation
from hpo.samplers.nsgaii._selection import NSGAIIElitePopulationSelectionStrategy
from hpo.trial._state import TrialState as _TrialState

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.study import Study
    from hpo.trial import FrozenTrial, TrialState


def _check_probability(name: str, value: float | None, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or not 0.0 <= value <= 1.0:
        allowed = "None or a float in [0.0, 1.0]" if allow_none else "a float in [0.0, 1.0]"
        raise ValueError(f"`{name}` must be {allowed}, but got {value!r}.")


def _warn_experimental_argument(name: str) -> None:
    warnings.warn(
        f"Argument ``{name}`` is an experimental feature. The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=3,
    )


def _no_space() -> dict[str, Any]:
    return {"space": None}


def _intersect_complete(acc: dict[str, Any], trial: FrozenTrial) -> dict[str, Any]:
    """Fold step of the intersection search space (a new dict each time: folds are shared)."""
    if trial.state is not _TrialState.COMPLETE:
        return acc
    space = acc["space"]
    if space is None:
        return {"space": dict(trial.distributions)}
    return {"space": {n: d for n, d in space.items() if trial.distributions.get(n) == d}}


class NSGAIISampler(BaseGASampler):
    """Multi-objective sampler using NSGA-II (Deb et al., 2002).

    Trials are grouped into generations of ``population_size`` completed trials. The first
    generation is sampled at random. The parents of each later generation are the best
    ``population_size`` trials among the previous generation and its parents, ranked by
    non-domination rank and then crowding distance (constrained domination when trials carry
    constraints, set with :meth:`~hpo.trial.Trial.set_constraint` or ``constraints_func``). Each
    child takes two (or more) parents chosen by binary tournament, combines them by
    ``crossover`` with probability ``crossover_prob`` (in the numeric representation:
    log-scaled parameters in log space), then mutates each parameter with ``mutation_prob``:
    with ``mutation`` if given, otherwise by resampling it at random.

    Generations and parents are recorded in the study's storage, so workers in several
    processes cooperate on one study.

    Args:
        population_size: Completed trials per generation; at least 2 and at least the
            crossover's ``n_parents``.
        mutation: Operator for numerical parameters picked for mutation; ``None`` resamples them.
        mutation_prob: Probability of mutating each parameter; ``None`` uses
            ``1 / max(1, n_params)``.
        crossover: Crossover operator; ``None`` uses
            :class:`~hpo.samplers.nsgaii.UniformCrossover` with ``swapping_prob``.
        crossover_prob: Probability that a child is made by crossover (else a parent is copied).
        swapping_prob: Probability of taking a parameter from the other parent in uniform
            crossover (categorical parameters always use it).
        seed: Seed for the random generators.
        constraints_func: Deprecated: function returning a trial's constraint values (feasible
            when all are ``<= 0``). Use :meth:`~hpo.trial.Trial.set_constraint` instead.
        elite_population_selection_strategy: Experimental: ``(study, population) -> elites``
            replacing the default rank-and-crowding selection.
        child_generation_strategy: Experimental: ``(study, search_space, parents) -> params``
            replacing the default crossover and mutation.
        after_trial_strategy: Experimental: ``(study, trial, state, values) -> None`` called
            after each trial instead of the default (which stores ``constraints_func``'s values).

    Raises:
        ValueError: ``population_size`` below 2 or below ``crossover.n_parents``, ``crossover``
            not a :class:`~hpo.samplers.nsgaii.BaseCrossover`, ``mutation`` not a
            :class:`~hpo.samplers.nsgaii.BaseMutation`, or a probability outside ``[0, 1]``.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 5)
        ...     y = trial.suggest_float("y", 0, 3)
        ...     return 4 * x**2 + 4 * y**2, (x - 5) ** 2 + (y - 5) ** 2
        >>> sampler = hpo.samplers.NSGAIISampler(population_size=10, seed=0)
        >>> study = hpo.create_study(directions=["minimize", "minimize"], sampler=sampler)
        >>> study.optimize(objective, n_trials=30)
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation: BaseMutation | None = None,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        elite_population_selection_strategy: (
            Callable[[Study, list[FrozenTrial]], list[FrozenTrial]] | None
        ) = None,
        child_generation_strategy: (
            Callable[[Study, dict[str, BaseDistribution], list[FrozenTrial]], dict[str, Any]]
            | None
        ) = None,
        after_trial_strategy: (
            Callable[[Study, FrozenTrial, TrialState, Sequence[float] | None], None] | None
        ) = None,
    ) -> None:
        if isinstance(population_size, bool) or not isinstance(population_size, int):
            raise ValueError(
                f"`population_size` must be an int >= 2, but got {population_size!r}."
            )
        if population_size < 2:
            raise ValueError(
                f"`population_size` must be greater than or equal to 2, but got {population_size}."
            )
        if constraints_func is not None:
            warnings.warn(
                "`constraints_func` has been deprecated in v5.0.0. This feature will be removed "
                "in v7.0.0. Use `hpo.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if after_trial_strategy is not None:
            _warn_experimental_argument("after_trial_strategy")
        if child_generation_strategy is not None:
            _warn_experimental_argument("child_generation_strategy")
        if elite_population_selection_strategy is not None:
            _warn_experimental_argument("elite_population_selection_strategy")

        _check_probability("mutation_prob", mutation_prob, allow_none=True)
        _check_probability("crossover_prob", crossover_prob)
        _check_probability("swapping_prob", swapping_prob)
        if mutation is not None and not isinstance(mutation, BaseMutation):
            raise ValueError(
                f"`mutation` must be None or an instance of hpo.samplers.nsgaii.BaseMutation, "
                f"but got {mutation!r}."
            )
        if crossover is None:
            crossover = UniformCrossover(swapping_prob)
        if not isinstance(crossover, BaseCrossover):
            raise ValueError(
                f"'{crossover}' is not a valid crossover: `crossover` must be an instance of "
                "hpo.samplers.nsgaii.BaseCrossover (e.g. UniformCrossover, BLXAlphaCrossover, "
                "SPXCrossover, SBXCrossover, VSBXCrossover, UNDXCrossover)."
            )
        if population_size < crossover.n_parents:
            raise ValueError(
                f"Using {crossover}, the population size should be greater than or equal to "
                f"{crossover.n_parents}. The specified `population_size` is {population_size}."
            )

        super().__init__(population_size=population_size)
        self._seed = seed
        self._random_sampler = RandomSampler(seed=seed)
        self._rng = np.random.RandomState(seed)
        self._constraints_func = constraints_func
        self._elite_population_selection_strategy = (
            elite_population_selection_strategy
            or NSGAIIElitePopulationSelectionStrategy(population_size=population_size)
        )
        self._child_generation_strategy = (
            child_generation_strategy
            or NSGAIIChildGenerationStrategy(
                crossover=crossover,
                crossover_prob=crossover_prob,
                swapping_prob=swapping_prob,
                mutation=mutation,
                mutation_prob=mutation_prob,
                rng=self._rng,
            )
        )
        self._after_trial_strategy = after_trial_strategy

    def reseed_rng(self) -> None:
        self._random_sampler.reseed_rng()
        self._rng.seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._ga_cache().fold(study, "search space", _no_space, _intersect_complete)[
            "space"
        ]
        return {name: dist for name, dist in sorted((space or {}).items()) if not dist.single()}

    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Elites among generation ``generation - 1`` and that generation's parents."""
        population = self.get_population(study, generation - 1)
        population += self.get_parent_population(study, generation - 1)
        return self._elite_population_selection_strategy(study, population)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        generation = self.get_trial_generation(study, trial)
        parents = self.get_parent_population(study, generation)
        if not parents:
            return {}
        return self._child_generation_strategy(study, search_space, parents)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # First generation, parameters picked for mutation, and parameters outside the
        # intersection search space are all drawn at random.
        return self._random_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        # Assigned here, not lazily: a trial whose relative search space is empty (the whole
        # first generation) never reaches sample_relative but must still count in a generation.
        self.get_trial_generation(study, trial)
        self._random_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._after_trial_strategy is not None:
            self._after_trial_strategy(study, trial, state, values)
        elif self._constraints_func is not None:
            process_constraints_after_trial(self._constraints_func, study, trial, state)
        self._random_sampler.after_trial(study, trial, state, values)
