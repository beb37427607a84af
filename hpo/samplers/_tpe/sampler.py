"""TPESampler: Tree-structured Parzen Estimator, the default sampler."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import logging
from hpo._deprecated import deprecated_func
from hpo._study_key import study_key
from hpo.distributions import BaseDistribution
from hpo.exceptions import ExperimentalWarning
from hpo.samplers._base import BaseSampler, process_constraints_after_trial
from hpo.samplers._planned_params import publish
from hpo.samplers._random import RandomSampler
from hpo.samplers._tpe import _sampling
from hpo.samplers._tpe._history import TrialHistory
from hpo.samplers._tpe._parzen import ParamSpec, ParzenEstimator, param_spec
from hpo.samplers._tpe._split import (
    below_mask,
    default_gamma,
    default_gamma_multiobjective,
    default_weights,
    hyperopt_default_gamma,
)
from hpo.search_space import _GroupDecomposedSearchSpace, _SearchSpaceGroup

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial, TrialState

_logger = logging.get_logger(__name__)

_MAX_CACHED_STUDIES = 16


def _deprecated_argument(name: str, value: Any, default: Any, since: str) -> Any:
    if value is None:
        return default
    warnings.warn(
        f"`{name}` has been deprecated in v{since}. This feature will be removed in v6.0.0.",
        FutureWarning,
        stacklevel=3,
    )
    return value


class TPESampler(BaseSampler):
    """Sampler using the Tree-structured Parzen Estimator (TPE), the default sampler.

    For each parameter (or jointly for all parameters when ``multivariate``), the finished
    trials are split into a good group and a bad group. TPE fits a Parzen estimator ``l(x)`` to
    the good group and ``g(x)`` to the bad one, draws ``n_ei_candidates`` candidates from
    ``l(x)`` and picks the one maximising ``l(x) / g(x)``. With several objectives the good group
    is chosen by non-domination rank and hypervolume contribution; with constraints the feasible
    trials come first; pruned trials count, ranked by how far they got. With ``constant_liar``
    running trials join the bad group so parallel workers spread out.

    Per-study arrays of the finished trials are kept and extended incrementally from one read of
    the study per trial, so the cost of a suggestion does not come from re-reading the whole
    history.

    Args:
        consider_prior: Deprecated; the prior is always used.
        prior_weight: Deprecated. Weight of the prior kernel (default 1.0).
        consider_magic_clip: Deprecated. Bound kernel bandwidths from below (default ``True``).
        consider_endpoints: Deprecated. Let the domain ends set the bandwidths of the extreme
            kernels (default ``False``).
        n_startup_trials: Sample randomly until this many trials have finished.
        n_ei_candidates: Number of candidates drawn from ``l(x)`` per suggestion.
        gamma: Deprecated. Maps the number of finished trials to the size of the good group
            (default :func:`default_gamma`, 10 % capped at 25; uncapped for several objectives).
        weights: Deprecated. Maps a number of observations to their weights, oldest first
            (default :func:`default_weights`).
        seed: Seed for the random number generator.
        multivariate: Sample the intersection search space jointly. ``None`` means ``True`` for
            single-objective and ``False`` for multi-objective studies.
        group: With ``multivariate``, split a conditional search space into groups of
            parameters that always appear together and sample each group jointly
            (experimental).
        warn_independent_sampling: Deprecated. Log a warning when a parameter falls back to
            independent sampling in multivariate mode.
        constant_liar: Treat running trials as bad so parallel workers do not sample the same
            point.
        constraints_func: Deprecated: use :meth:`hpo.trial.Trial.set_constraint`. Maps a
            finished trial to constraint values; a trial is feasible when all are ``<= 0``.

    Raises:
        ValueError: ``group=True`` with ``multivariate=False``, a negative ``prior_weight`` or a
            non-positive ``n_ei_candidates``.

    Example:
        >>> import hpo
        >>> sampler = hpo.samplers.TPESampler(seed=0)
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -10, 10) ** 2, n_trials=20)
    """

    def __init__(
        self,
        *,
        consider_prior: bool | None = None,
        prior_weight: float | None = None,
        consider_magic_clip: bool | None = None,
        consider_endpoints: bool | None = None,
        n_startup_trials: int = 10,
        n_ei_candidates: int = 24,
        gamma: Callable[[int], int] | None = None,
        weights: Callable[[int], np.ndarray] | None = None,
        seed: int | None = None,
        multivariate: bool | None = None,
        group: bool = False,
        warn_independent_sampling: bool | None = None,
        constant_liar: bool = True,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    ) -> None:
        _deprecated_argument("consider_prior", consider_prior, True, "4.3.0")
        prior_weight = _deprecated_argument("prior_weight", prior_weight, 1.0, "4.9.0")
        self._magic_clip = _deprecated_argument(
            "consider_magic_clip", consider_magic_clip, True, "4.9.0"
        )
        self._endpoints = _deprecated_argument(
            "consider_endpoints", consider_endpoints, False, "4.9.0"
        )
        self._gamma = _deprecated_argument("gamma", gamma, None, "4.9.0")
        self._weights = _deprecated_argument("weights", weights, default_weights, "4.9.0")
        self._warn_independent_sampling = _deprecated_argument(
            "warn_independent_sampling", warn_independent_sampling, False, "4.9.0"
        )
        if prior_weight < 0:
            raise ValueError(
                f"`prior_weight` must be non-negative, but got prior_weight={prior_weight}."
            )
        if n_ei_candidates < 1:
            raise ValueError(
                f"`n_ei_candidates` must be a positive integer, but got {n_ei_candidates}."
            )
        if group and multivariate is False:
            raise ValueError(
                "`group=True` needs the multivariate TPE, but got multivariate=False. "
                "Set multivariate=True (or leave it None) to use `group`."
            )
        self._prior_weight = float(prior_weight)
        self._n_startup_trials = n_startup_trials
        self._n_ei_candidates = n_ei_candidates
        self._seed = seed
        self._rng = np.random.RandomState(seed)
        self._random_sampler = RandomSampler(seed=seed)
        self._startup_rng = np.random.RandomState(seed)
        self._multivariate = multivariate
        self._group = group
        self._constant_liar = constant_liar
        self._constraints_func = constraints_func
        self._group_space: _GroupDecomposedSearchSpace | None = None
        self._search_space_group: _SearchSpaceGroup | None = None
        if group:
            warnings.warn(
                "`group` is an experimental option of TPESampler. "
                "The interface can change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
            self._group_space = _GroupDecomposedSearchSpace(include_pruned=True)
        if constraints_func is not None:
            warnings.warn(
                "`constraints_func` has been deprecated in v5.0.0. This feature will be removed "
                "in v7.0.0. Use `hpo.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        self._lock = threading.RLock()
        self._histories: dict[tuple[Any, ...], TrialHistory] = {}
        self._split_cache: tuple[TrialHistory, int, int, np.ndarray] | None = None
        self._warned_group_mo = False
        self._weights_cache: dict[int, np.ndarray] = {}
        self._specs: dict[BaseDistribution, ParamSpec] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        state["_histories"] = {}
        state["_split_cache"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def reseed_rng(self) -> None:
        self._rng.seed()
        self._random_sampler.reseed_rng()
        self._startup_rng.seed()

    # --- search space -------------------------------------------------------------------------

    def _is_multivariate(self, study: Study) -> bool:
        if self._multivariate is not None:
            return self._multivariate
        if self._group:
            if study._is_multi_objective() and not self._warned_group_mo:
                self._warned_group_mo = True
                warnings.warn(
                    "`multivariate` defaults to False for multi-objective optimization, but it is "
                    "treated as True because `group` needs the multivariate TPE. Set "
                    "multivariate=True explicitly to suppress this warning.",
                    stacklevel=3,
                )
            return True
        return not study._is_multi_objective()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        if not self._is_multivariate(study):
            return {}
        if self._group:
            assert self._group_space is not None
            self._search_space_group = self._group_space.calculate(study)
            space: dict[str, BaseDistribution] = {}
            for sub_space in self._search_space_group.search_spaces:
                for name, dist in sorted(sub_space.items()):
                    if not dist.single():
                        space[name] = dist
            return space
        with self._lock:
            history = self._history(study, trial)
            return {n: d for n, d in history.intersection_space().items() if not d.single()}

    # --- sampling -----------------------------------------------------------------------------

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        if self._group:
            assert self._search_space_group is not None
            params: dict[str, Any] = {}
            for sub_space in self._search_space_group.search_spaces:
                part = {
                    name: dist
                    for name, dist in sorted(sub_space.items())
                    if not dist.single() and name in search_space
                }
                params.update(self._sample_relative(study, trial, part))
        else:
            params = self._sample_relative(study, trial, search_space)
        if params and self._constant_liar and self._others_running(study, trial):
            # Only other workers read this; with nobody else running it would be a wasted write.
            publish(study._storage, trial._trial_id, _sampling.RELATIVE_PARAMS_KEY, params)
        return params

    def _others_running(self, study: Study, trial: FrozenTrial) -> bool:
        with self._lock:
            running = self._history(study, trial).running
        return any(other._number != trial.number for other in running)

    def _sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        with self._lock:
            if self._history(study, trial).n < self._n_startup_trials:
                return {}
            return self._sample(study, trial, search_space)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        with self._lock:
            history = self._history(study, trial)
            if history.n < self._n_startup_trials:
                return param_distribution.to_external_repr(
                    _sampling.startup_sample(self._startup_rng, param_distribution)
                )
            if (
                self._warn_independent_sampling
                and self._is_multivariate(study)
                and param_name in history.columns
            ):
                _logger.warning(
                    f"The parameter `{param_name}` in Trial#{trial.number} is sampled "
                    "independently instead of jointly by TPESampler, which can degrade the "
                    "optimization. This happens because `multivariate=True, group=False` does "
                    "not support a dynamic search space (`group=True` does). Set "
                    "`warn_independent_sampling=False` to silence this warning."
                )
            return self._sample(study, trial, {param_name: param_distribution})[param_name]

    def _history(self, study: Study, trial: FrozenTrial) -> TrialHistory:
        """The study's finished-trial arrays, brought up to date."""
        # A pruner may show the sampler a filtered view of the study (Hyperband brackets).
        view = (type(study).__qualname__, getattr(study, "_bracket_id", None))
        key = (*study_key(study), view)
        history = self._histories.get(key)
        if history is None or not history.matches(study):
            if len(self._histories) >= _MAX_CACHED_STUDIES:
                self._histories.pop(next(iter(self._histories)))
            history = TrialHistory(study._storage, study._study_id, study.directions)
            self._histories[key] = history
        history.update(study)
        return history

    def _below(self, study: Study, history: TrialHistory) -> np.ndarray:
        cache = self._split_cache
        if cache is not None and cache[0] is history and cache[1] == history.version:
            return cache[3]
        multi = study._is_multi_objective()
        gamma = self._gamma or (default_gamma_multiobjective if multi else default_gamma)
        mask = below_mask(history, int(gamma(history.n)))
        self._split_cache = (history, history.version, history.n, mask)
        return mask

    def _sample(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        history = self._history(study, trial)
        below = self._below(study, history)
        specs = [self._spec(dist) for dist in search_space.values()]
        obs_below, obs_above, above_numbers = _sampling.observations(history, below, search_space)
        if self._constant_liar:
            running, running_numbers = _sampling.running_observations(
                history.running, trial.number, search_space, self._is_multivariate(study)
            )
            if len(running):
                numbers = np.concatenate([above_numbers, running_numbers])
                obs_above = np.concatenate([obs_above, running])[
                    np.argsort(numbers, kind="stable")
                ]

        if study._is_multi_objective():
            weights_below = np.ones(len(obs_below))
        else:
            weights_below = self._call_weights(len(obs_below))
        estimator_below = ParzenEstimator(
            obs_below, specs, weights_below, self._prior_weight, self._endpoints, self._magic_clip
        )
        estimator_above = ParzenEstimator(
            obs_above,
            specs,
            self._call_weights(len(obs_above)),
            self._prior_weight,
            self._endpoints,
            self._magic_clip,
        )
        candidates = estimator_below.sample(self._rng, self._n_ei_candidates)
        score = estimator_below.log_pdf(candidates) - estimator_above.log_pdf(candidates)
        best = candidates[int(np.argmax(score))]
        return {
            name: dist.to_external_repr(best[j].item())
            for j, (name, dist) in enumerate(search_space.items())
        }

    def _spec(self, dist: BaseDistribution) -> ParamSpec:
        spec = self._specs.get(dist)
        if spec is None:
            if len(self._specs) > 256:
                self._specs.clear()
            spec = self._specs[dist] = param_spec(dist)
        return spec

    def _call_weights(self, n: int) -> np.ndarray:
        if self._weights is default_weights:
            cached = self._weights_cache.get(n)
            if cached is None:
                if len(self._weights_cache) >= 4:  # sizes change every trial: keep a few
                    self._weights_cache.clear()
                cached = self._weights_cache[n] = default_weights(n)
            return cached
        w = np.asarray(self._weights(n), dtype=float)[:n]
        if np.any(w < 0):
            raise ValueError(
                f"The `weights` function returned negative values {w} for {n} observations; "
                "weights must be non-negative."
            )
        if len(w) > 0 and np.sum(w) <= 0:
            raise ValueError(
                f"The `weights` function returned all-zero values {w} for {n} observations."
            )
        if not np.all(np.isfinite(w)):
            raise ValueError(
                f"The `weights` function returned infinite or NaN values {w} for {n} observations."
            )
        return w

    # --- hooks --------------------------------------------------------------------------------

    @staticmethod
    @deprecated_func("4.9.0", "6.0.0")
    def hyperopt_parameters() -> dict[str, Any]:
        """Return the default parameters of hyperopt (v0.1.2) for ``TPESampler(**...)``.

        Returns:
            A dictionary of constructor arguments.
        """
        return {
            "consider_prior": True,
            "prior_weight": 1.0,
            "consider_magic_clip": True,
            "consider_endpoints": False,
            "n_startup_trials": 20,
            "n_ei_candidates": 24,
            "gamma": hyperopt_default_gamma,
            "weights": default_weights,
        }

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._random_sampler.before_trial(study, trial)

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        if self._constraints_func is not None:
            process_constraints_after_trial(self._constraints_func, study, trial, state)
        self._random_sampler.after_trial(study, trial, state, values)
