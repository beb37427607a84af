from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import logging
from hpo._study_key import study_key
from hpo.distributions import BaseDistribution, FloatDistribution, IntDistribution
from hpo.exceptions import ExperimentalWarning
from hpo.samplers._base import BaseSampler
from hpo.samplers._cmaes import _restart, _state
from hpo.samplers._cmaes._helpers import (
    _has_n_finished,
    _trial_seed,
    _trial_value,
    _validate_options,
    _x0_to_unit,
    accept_old_positional_args,
)
from hpo.samplers._cmaes._transform import _UnitCubeTransform
from hpo.samplers._random import RandomSampler
from hpo.search_space import IntersectionSearchSpace
from hpo.study._study_direction import StudyDirection
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)

_EPS = 1e-10
_INDEPENDENT_SAMPLING_WARNING = (
    "The parameter `{param_name}` in Trial#{trial_number} is sampled independently "
    "using `{independent_sampler_name}` instead of `{sampler_name}`, potentially "
    "degrading the optimization performance. This fallback happened because "
    "{fallback_reason}. You can suppress this warning by setting "
    "`warn_independent_sampling` to `False` in the constructor of `{sampler_name}` if "
    "this independent sampling is intended behavior."
)


def _deprecated_argument(name: str) -> str:
    return (
        f"`{name}` has been deprecated in v4.9.0. This feature will be removed in v6.0.0. "
        "See https://github.com/optuna/optuna/releases/tag/v4.9.0."
    )


def _experimental_argument(name: str) -> None:
    warnings.warn(
        f"Argument ``{name}`` is an experimental feature. The interface can change in the future.",
        ExperimentalWarning,
        stacklevel=4,
    )


class CmaEsSampler(BaseSampler):
    """Sampler based on CMA-ES, using the `cmaes <https://github.com/CyberAgentAILab/cmaes>`__
    package (install it with ``pip install cmaes``).

    The numerical parameters present in every finished trial are sampled jointly from a
    multivariate normal distribution that CMA-ES adapts one generation (``popsize`` trials) at a
    time. Log-scaled parameters are searched in log space, every parameter is scaled to
    ``[0, 1]``. Categorical parameters, and parameters that appear only in some trials, are
    sampled by ``independent_sampler``.

    The search state is stored as a small JSON document in the system attributes of the trial
    that starts each generation, so workers sharing a storage continue one search, and a
    restarted process picks it up where it stopped. Its size depends on the number of parameters
    only, not on the number of generations.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     y = trial.suggest_int("y", -1, 1)
        ...     return x**2 + y
        >>> study = hpo.create_study(sampler=hpo.samplers.CmaEsSampler(seed=0))
        >>> study.optimize(objective, n_trials=20)

    Args:
        x0: Initial mean as external parameter values (default: the centre of each range).
            Deprecated in Optuna 4.9, kept for compatibility.
        sigma0: Initial step size, in the unit-cube scale every parameter is mapped to
            (default: ``1/6``). Deprecated in Optuna 4.9, kept for compatibility.
        n_startup_trials: Trials sampled by ``independent_sampler`` before CMA-ES takes over.
        independent_sampler: Sampler for the parameters CMA-ES does not handle
            (default: :class:`~hpo.samplers.RandomSampler` with ``seed``).
        warn_independent_sampling: Log a warning when a parameter is sampled independently
            after the startup trials.
        seed: Seed for the CMA-ES random numbers.
        consider_pruned_trials: Use PRUNED trials, valued by their last intermediate value.
        restart_strategy: ``None`` (no restart), ``"ipop"`` (restart with a population
            multiplied by ``inc_popsize`` when the search stalls) or ``"bipop"`` (alternate
            large-population and small-population restarts).
        popsize: Population size (default: ``4 + floor(3 ln d)``).
        inc_popsize: Population multiplier at each restart (``-1``: 2).
        use_separable_cma: Use a diagonal covariance (sep-CMA-ES).
        with_margin: Use CMA-ES with margin, which keeps discrete parameters from freezing.
        lr_adapt: Use learning-rate adaptation (for multimodal or noisy problems).
        source_trials: Finished trials of a similar task to warm-start from (WS-CMA-ES).

    Raises:
        ValueError: Incompatible options (``source_trials`` with ``x0``/``sigma0`` or
            ``use_separable_cma``; ``lr_adapt`` with ``use_separable_cma`` or ``with_margin``;
            ``use_separable_cma`` with ``with_margin``), an unknown ``restart_strategy``, a bad
            ``inc_popsize``, ``popsize`` or ``sigma0``.
    """

    @accept_old_positional_args
    def __init__(
        self,
        *,
        x0: dict[str, Any] | None = None,
        sigma0: float | None = None,
        n_startup_trials: int = 1,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        seed: int | None = None,
        consider_pruned_trials: bool = False,
        restart_strategy: str | None = None,
        popsize: int | None = None,
        inc_popsize: int = -1,
        use_separable_cma: bool = False,
        with_margin: bool = False,
        lr_adapt: bool = False,
        source_trials: list[FrozenTrial] | None = None,
    ) -> None:
        _validate_options(x0, sigma0, restart_strategy, popsize, inc_popsize)
        if x0 is not None:
            warnings.warn(_deprecated_argument("x0"), FutureWarning, stacklevel=3)
        if sigma0 is not None:
            warnings.warn(_deprecated_argument("sigma0"), FutureWarning, stacklevel=3)
        if source_trials is not None and (x0 is not None or sigma0 is not None):
            raise ValueError(
                "It is prohibited to pass `source_trials` argument when x0 or sigma0 is specified."
            )
        if source_trials is not None and use_separable_cma:
            raise ValueError(
                "It is prohibited to pass `source_trials` argument when using separable CMA-ES."
            )
        if lr_adapt and (use_separable_cma or with_margin):
            raise ValueError(
                "It is prohibited to pass `use_separable_cma` or `with_margin` argument when "
                "using `lr_adapt`."
            )
        if use_separable_cma and with_margin:
            raise ValueError(
                "Currently, we do not support `use_separable_cma=True` and `with_margin=True`."
            )
        for name, used in (
            ("consider_pruned_trials", consider_pruned_trials),
            ("use_separable_cma", use_separable_cma),
            ("source_trials", source_trials is not None),
            ("with_margin", with_margin),
            ("lr_adapt", lr_adapt),
            ("restart_strategy", restart_strategy is not None),
        ):
            if used:
                _experimental_argument(name)

        self._x0 = x0
        self._sigma0 = sigma0
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._n_startup_trials = n_startup_trials
        self._warn_independent_sampling = warn_independent_sampling
        self._seed_base = int(
            seed if seed is not None else np.random.SeedSequence().generate_state(1)[0]
        )
        self._search_space = IntersectionSearchSpace(include_pruned=consider_pruned_trials)
        self._consider_pruned_trials = consider_pruned_trials
        self._restart_strategy = restart_strategy
        self._popsize = popsize
        self._inc_popsize = 2 if inc_popsize == -1 else inc_popsize
        self._use_separable_cma = use_separable_cma
        self._with_margin = with_margin
        self._lr_adapt = lr_adapt
        self._source_trials = source_trials
        if use_separable_cma:
            self._prefix = "sepcma:"
        elif with_margin:
            self._prefix = "cmawm:"
        else:
            self._prefix = "cma:"
        self._key_state = self._prefix + "state"
        self._key_generation = self._prefix + "generation"
        self._key_x_for_tell = self._prefix + "x_for_tell"
        self._lock = threading.Lock()
        self._cache_key: tuple[Any, ...] | None = None
        self._cache_state: dict[str, Any] | None = None
        self._cache_optimizer: Any = None
        self._trans_cache: tuple[dict[str, BaseDistribution], _UnitCubeTransform] | None = None
        # Imported here so a missing `cmaes` fails at construction, not in the middle of a study.
        import cmaes  # noqa: F401

    def reseed_rng(self) -> None:
        # CMA-ES draws from a generator seeded per trial; only the fallback sampler needs it.
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {
            name: dist
            for name, dist in self._search_space.calculate(study).items()
            if isinstance(dist, (FloatDistribution, IntDistribution)) and not dist.single()
        }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._raise_error_if_multi_objective(study)
        if not search_space:
            return {}
        trials = study._get_trials(deepcopy=False, use_cache=True)
        if not _has_n_finished(trials, self._n_startup_trials, self._consider_pruned_trials):
            return {}

        trans = self._transform(search_space)
        holder, state = self._latest_state(trials)
        if state is None:
            state = self._initial_state(study, trans)
        if state["names"] != trans.names:
            if self._warn_independent_sampling:
                _logger.warning(
                    "`CmaEsSampler` does not support dynamic search space. "
                    f"`{self._independent_sampler.__class__.__name__}` is used instead of "
                    "`CmaEsSampler`."
                )
                self._warn_independent_sampling = False
            return {}

        steps = trans.steps() if self._with_margin else None
        skey = study_key(study)
        key = (skey, None if holder is None else holder._trial_id, state["gen"])
        solutions = self._solutions(study, trials, trans, state)
        with self._lock:
            if self._cache_key != key:
                self._cache_optimizer = _state.build_optimizer(
                    state, steps, reuse=self._cache_optimizer
                )
                self._cache_key = key
                self._cache_state = state
            optimizer = self._cache_optimizer
            if len(solutions) >= state["popsize"]:
                optimizer.tell(solutions[: state["popsize"]])
                state = self._next_state(optimizer, state, steps)
                study._storage.set_trial_system_attr(trial._trial_id, self._key_state, state)
                # Continue from the JSON form, exactly as any other worker or process will.
                optimizer = _state.build_optimizer(state, steps, reuse=optimizer)
                self._cache_key = (skey, trial._trial_id, state["gen"])
                self._cache_state = state
                self._cache_optimizer = optimizer
            optimizer.reseed_rng(_trial_seed(self._seed_base, trial.number))
            if self._with_margin:
                x, x_for_tell = optimizer.ask()
            else:
                x = optimizer.ask()
                x_for_tell = None
        storage = study._storage
        if x_for_tell is not None:
            storage.set_trial_system_attr(
                trial._trial_id, self._key_x_for_tell, x_for_tell.tolist()
            )
        storage.set_trial_system_attr(trial._trial_id, self._key_generation, state["gen"])
        return trans.untransform(x)

    def _transform(self, search_space: dict[str, BaseDistribution]) -> _UnitCubeTransform:
        cached = self._trans_cache
        if cached is not None and cached[0] == search_space:
            return cached[1]
        trans = _UnitCubeTransform(search_space, transform_step=not self._with_margin)
        self._trans_cache = (dict(search_space), trans)
        return trans

    def _latest_state(
        self, trials: list[FrozenTrial]
    ) -> tuple[FrozenTrial | None, dict[str, Any] | None]:
        key = self._key_state
        for t in reversed(trials):
            state = t.system_attrs.get(key)
            if state is not None:
                return t, state
        return None, None

    def _initial_state(self, study: Study, trans: _UnitCubeTransform) -> dict[str, Any]:
        cache_key = (study_key(study), None, 0)
        cached = self._cache_state
        if self._cache_key == cache_key and cached is not None and cached["names"] == trans.names:
            return cached
        dim = trans.dim
        cov = None
        if self._source_trials is not None:
            mean, sigma, cov = self._warm_start(study, trans)
        else:
            mean = np.full(dim, 0.5) if self._x0 is None else _x0_to_unit(self._x0, trans)
            sigma = 1.0 / 6.0 if self._sigma0 is None else float(self._sigma0)
        sigma = max(sigma, _EPS)
        kind = "cma"
        if self._use_separable_cma:
            if dim == 1:
                warnings.warn(
                    "Separable CMA-ES does not operate meaningfully on single-dimensional "
                    "search spaces. The setting `use_separable_cma=True` will be ignored.",
                    UserWarning,
                    stacklevel=4,
                )
            else:
                kind = "sepcma"
        elif self._with_margin:
            kind = "cmawm"
        popsize = self._popsize or 4 + int(math.floor(3 * math.log(dim)))
        restart = None
        if self._restart_strategy is not None:
            restart = _restart.initial_bookkeeping(popsize)
        return _state.new_state(
            kind=kind,
            names=trans.names,
            mean=mean,
            sigma=sigma,
            cov=cov,
            popsize=popsize,
            sigma0=sigma,
            lr_adapt=self._lr_adapt and kind == "cma",
            generation=0,
            restart=restart,
        )

    def _warm_start(
        self, study: Study, trans: _UnitCubeTransform
    ) -> tuple[np.ndarray, float, np.ndarray]:
        import cmaes

        assert self._source_trials is not None
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        states = (
            (TrialState.COMPLETE, TrialState.PRUNED)
            if self._consider_pruned_trials
            else (TrialState.COMPLETE,)
        )
        names = set(trans.names)
        solutions = [
            (trans.transform(t.params), sign * float(t.value))  # type: ignore[arg-type]
            for t in self._source_trials
            if t.state in states and t.value is not None and set(t.distributions) == names
        ]
        if not solutions:
            raise ValueError("No compatible source_trials")
        if len(solutions) < 10:
            raise ValueError(
                f"`source_trials` has {len(solutions)} compatible finished trials; warm starting "
                "needs at least 10 (the best 10% of them define the initial distribution)."
            )
        mean, sigma, cov = cmaes.get_warm_start_mgd(solutions)
        return np.clip(mean, 0.0, 1.0), float(sigma), cov

    def _solutions(
        self,
        study: Study,
        trials: list[FrozenTrial],
        trans: _UnitCubeTransform,
        state: dict[str, Any],
    ) -> list[tuple[np.ndarray, float]]:
        """The finished trials of the current generation, in trial-number order."""
        generation = state["gen"]
        key_gen = self._key_generation
        found: list[FrozenTrial] = []
        for t in reversed(trials):
            g = t.system_attrs.get(key_gen)
            if g is None:
                continue
            if g < generation - 1:
                # Earlier generations never mix with later ones; stop scanning history.
                break
            if g == generation:
                found.append(t)
        if len(found) < state["popsize"]:
            return []
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        solutions = []
        for t in reversed(found):
            value = _trial_value(t, self._consider_pruned_trials)
            if value is None:
                continue
            if self._with_margin:
                x = np.asarray(t.system_attrs[self._key_x_for_tell], dtype=float)
            else:
                x = trans.transform(t.params)
            solutions.append((x, sign * value))
        return solutions

    def _next_state(self, optimizer: Any, state: dict[str, Any], steps: Any) -> dict[str, Any]:
        new = _state.dump_optimizer(optimizer, state, state["gen"] + 1)
        strategy = self._restart_strategy
        if strategy is None or not optimizer.should_stop():
            return new
        rng = np.random.RandomState(
            np.random.SeedSequence([self._seed_base, new["gen"], 1]).generate_state(2)
        )
        sigma0 = 1.0 / 6.0 if self._sigma0 is None else float(self._sigma0)
        mean, sigma, popsize, book = _restart.plan_restart(
            new, strategy, self._inc_popsize, sigma0, rng
        )
        _logger.info(
            f"CMA-ES stalled at generation {new['gen']}; restarting ({strategy}) with "
            f"population size {popsize}."
        )
        return _state.new_state(
            kind=state["kind"],
            names=state["names"],
            mean=mean,
            sigma=sigma,
            cov=None,
            popsize=popsize,
            sigma0=sigma,
            lr_adapt=state["lr_adapt"],
            generation=new["gen"],
            restart=book,
        )

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._raise_error_if_multi_objective(study)
        if self._warn_independent_sampling:
            trials = study._get_trials(deepcopy=False, use_cache=True)
            if _has_n_finished(trials, self._n_startup_trials, self._consider_pruned_trials):
                _logger.warning(
                    _INDEPENDENT_SAMPLING_WARNING.format(
                        param_name=param_name,
                        trial_number=trial.number,
                        independent_sampler_name=self._independent_sampler.__class__.__name__,
                        sampler_name=self.__class__.__name__,
                        fallback_reason=(
                            "dynamic search space and `CategoricalDistribution` are not "
                            "supported by `CmaEsSampler`"
                        ),
                    )
                )
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if trial.constraints:
            warnings.warn(
                "Constraints have been set, but CmaEsSampler will not use them for optimization.",
                UserWarning,
                stacklevel=2,
            )
        self._independent_sampler.after_trial(study, trial, state, values)
