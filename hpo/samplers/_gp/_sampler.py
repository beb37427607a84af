"""GPSampler: Bayesian optimisation with a Gaussian process, on numpy and scipy only."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import _constraints
from hpo._deprecated import _deprecation_message
from hpo._study_key import study_key
from hpo.exceptions import ExperimentalWarning
from hpo.logging import get_logger
from hpo.samplers._base import BaseSampler, process_constraints_after_trial
from hpo.samplers._planned_params import planned_params, publish
from hpo.samplers._random import RandomSampler
from hpo.search_space import IntersectionSearchSpace
from hpo.study._multi_objective import is_pareto_front, loss_matrix
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.distributions import BaseDistribution
    from hpo.samplers._gp._model import GaussianProcess
    from hpo.samplers._gp._search_space import SearchSpace
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = get_logger(__name__)

_RELATIVE_PARAMS_KEY = "gp:relative_params"  # see hpo.samplers._planned_params
_EPS = 1e-10
# Hyperparameters are re-fitted once the number of trials grew by 1/_REFIT_FRACTION since the
# last fit (every trial for small studies, every 10th trial at 200 trials).
_REFIT_FRACTION = 20


class GPSampler(BaseSampler):
    """Bayesian optimisation with a Gaussian-process surrogate, needing only numpy and scipy.

    After ``n_startup_trials`` complete trials, each trial fits one Gaussian process per objective
    (and per constraint) to the finished trials and picks the point that maximises an acquisition
    function:

    * the surrogate uses a Matérn-5/2 kernel with one length scale per parameter (automatic
      relevance determination); categorical parameters are compared by equality, integer and
      stepped parameters live on their grid. Hyperparameters maximise the marginal likelihood
      under weak priors (L-BFGS-B, analytic gradients), warm-started from the previous fit
      and refreshed as the study grows. The observation noise may go down to ``1e-10`` of the
      (standardised) objective's variance, so values close to the optimum stay distinguishable;
    * the acquisition is log expected improvement for one objective and exact (box-decomposed)
      log expected hypervolume improvement for several, plus the log probability of feasibility
      when trials carry constraints (``trial.set_constraint`` or ``constraints_func``);
    * trials still running are fantasised at their predicted value (the "kriging believer"), so
      parallel workers do not propose the same point;
    * the acquisition is maximised from a vectorised batch of random and near-best candidates,
      refined by a batched quasi-Newton search over continuous parameters (every start its own
      problem, the best one polished tightly) and exhaustive sweeps over discrete ones.

    Parameters that are not in every finished trial (a dynamic search space) are sampled by
    ``independent_sampler``.

    Args:
        seed: Seed for the random number generator.
        independent_sampler: Sampler for the first ``n_startup_trials`` trials and for parameters
            outside the joint search space. Defaults to :class:`~hpo.samplers.RandomSampler`
            with the same ``seed``.
        n_startup_trials: Number of complete trials sampled by ``independent_sampler`` first.
        deterministic_objective: Fix the observation noise of the surrogate to a tiny value
            (experimental).
        constraints_func: Deprecated: a function returning a sequence of constraint values of a
            finished trial (``<= 0`` is feasible). Use ``trial.set_constraint`` instead.
        warn_independent_sampling: Log a warning when a parameter is sampled by
            ``independent_sampler`` after the startup trials.

    Example:
        >>> import hpo
        >>> sampler = hpo.samplers.GPSampler(seed=0, n_startup_trials=5)
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=12)
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        n_startup_trials: int = 10,
        deterministic_objective: bool = False,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        warn_independent_sampling: bool = True,
    ) -> None:
        self._rng = np.random.RandomState(seed)
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._intersection_search_space = IntersectionSearchSpace()
        self._n_startup_trials = n_startup_trials
        self._deterministic = deterministic_objective
        self._constraints_func = constraints_func
        self._warn_independent_sampling = warn_independent_sampling
        # Per study, keyed by (storage identity, study id): the last fitted hyperparameters (to
        # warm-start the next fit) and the encoded rows of finished trials (which never change).
        # The trials themselves are read from storage every time.
        self._study_cache: dict[tuple[int, int], _StudyCache] = {}
        # Random candidates scored before the local search: fewer once the model is large (the
        # scoring cost grows with the square of the number of trials).
        self._n_candidates = 1024
        self._n_candidates_large = 512
        self._large_model = 100
        self._n_local = 8

        if constraints_func is not None:
            message = _deprecation_message("`constraints_func`", "5.0.0", "7.0.0", None)
            warnings.warn(
                f"{message} Use `hpo.trial.Trial.set_constraint` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if deterministic_objective:
            warnings.warn(
                "Argument ``deterministic_objective`` is an experimental feature. "
                "The interface can change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )

    def reseed_rng(self) -> None:
        self._rng.seed()
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        space = self._intersection_search_space.calculate(study)
        return {name: dist for name, dist in space.items() if not dist.single()}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        trials = study._get_trials(
            deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING), use_cache=False
        )
        completed = [t for t in trials if t.state is TrialState.COMPLETE]
        if len(completed) < self._n_startup_trials or not completed:
            return {}
        running_params = [
            params
            for t in trials
            if t.state is TrialState.RUNNING and t.number != trial.number
            for params in [planned_params(t, _RELATIVE_PARAMS_KEY)]
            if search_space.keys() <= params.keys()
        ]
        from hpo.samplers._gp._threads import single_threaded_blas

        with single_threaded_blas():
            params = self._sample(study, completed, running_params, search_space)
        publish(study._storage, trial._trial_id, _RELATIVE_PARAMS_KEY, params)
        return params

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling:
            completed = study._get_trials(
                deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True
            )
            if len(completed) >= self._n_startup_trials:
                _logger.warning(
                    f"The parameter `{param_name}` in Trial#{trial.number} is sampled "
                    f"independently by `{self._independent_sampler.__class__.__name__}` instead "
                    f"of `{self.__class__.__name__}`, which may degrade the optimization, because "
                    "dynamic search space is not supported by GPSampler. Set "
                    "`warn_independent_sampling=False` in the constructor of "
                    f"`{self.__class__.__name__}` to silence this warning if this is intended."
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
        if self._constraints_func is not None:
            process_constraints_after_trial(self._constraints_func, study, trial, state)
        self._independent_sampler.after_trial(study, trial, state, values)

    # --- the Bayesian-optimisation step -------------------------------------------------------

    def _sample(
        self,
        study: Study,
        completed: list[FrozenTrial],
        running_params: list[dict[str, Any]],
        search_space: dict[str, BaseDistribution],
    ) -> dict[str, Any]:
        from hpo.samplers._gp import _acqf, _model, _optim
        from hpo.samplers._gp._search_space import SearchSpace, space_signature

        space = SearchSpace(search_space)
        cache = self._cache(study, space_signature(search_space))
        X = cache.encode(space, completed)
        losses, _, _ = _standardize(_clip_non_finite(loss_matrix(completed, study.directions)))
        thetas = cache.thetas

        def fit(y: np.ndarray, role: tuple[str, int]) -> GaussianProcess:
            n = len(y)
            theta, n_fitted = thetas.get(role, (None, 0))
            if theta is not None and n < n_fitted + max(1, n_fitted // _REFIT_FRACTION):
                # Few trials since the last fit: the hyperparameters barely move, keep them.
                try:
                    return _model.GaussianProcess(
                        X, y, space.is_categorical, theta, self._deterministic
                    )
                except np.linalg.LinAlgError:
                    pass
            gp = _model.fit(X, y, space.is_categorical, theta, self._deterministic)
            thetas[role] = (gp.theta, n)
            return gp

        gps = [fit(losses[:, m], ("objective", m)) for m in range(losses.shape[1])]
        constraint_gps: list[tuple[GaussianProcess, float]] = []
        feasible = np.ones(len(completed), dtype=bool)
        if _constraints.is_constrained(completed):
            raw = _constraint_matrix(completed)
            feasible = np.all(raw <= 0.0, axis=1)
            cons, mean, std = _standardize(raw)
            thresholds = -mean / np.maximum(std, _EPS)
            constraint_gps = [
                (fit(cons[:, j], ("constraint", j)), float(thresholds[j]))
                for j in range(cons.shape[1])
            ]

        X_running = _encode_running(space, running_params)
        fantasies = np.empty((0, len(gps)))
        if len(X_running):
            # Kriging believer: pretend running trials returned their predicted values.
            fantasies = np.stack([gp.posterior(X_running)[0] for gp in gps], axis=1)
            gps = [gp.condition(X_running, fantasies[:, m]) for m, gp in enumerate(gps)]
            constraint_gps = [
                (gp.condition(X_running, gp.posterior(X_running)[0]), t)
                for gp, t in constraint_gps
            ]

        # Incumbents: feasible trials, plus the fantasies when there are no constraints (with
        # constraints a running trial's feasibility is unknown).
        feasible_losses = losses[feasible]
        if not constraint_gps:
            feasible_losses = np.vstack([feasible_losses, fantasies])
        warm_starts = None
        if len(gps) == 1:
            best = float(feasible_losses[:, 0].min()) if len(feasible_losses) else None
            if feasible.any():
                warm_starts = X[feasible][[int(np.argmin(losses[feasible, 0]))]]
            acqf = _acqf.Acquisition(
                gps if best is not None else [], best_loss=best, constraint_gps=constraint_gps
            )
        else:
            objective_gps: list[GaussianProcess] = []
            boxes = None
            if len(feasible_losses):
                front = feasible_losses[is_pareto_front(feasible_losses)]
                boxes = _acqf.nondominated_boxes(front, _reference_point(front), self._rng)
                objective_gps = gps
                front_X = X[feasible][is_pareto_front(losses[feasible])]
                if len(front_X):
                    size = min(max(self._n_local // 2, 1), len(front_X))
                    warm_starts = front_X[self._rng.choice(len(front_X), size, replace=False)]
            acqf = _acqf.Acquisition(objective_gps, boxes=boxes, constraint_gps=constraint_gps)

        x, _ = _optim.optimize_acquisition(
            acqf,
            space,
            self._rng,
            warm_starts=warm_starts,
            n_candidates=(
                self._n_candidates if len(X) < self._large_model else self._n_candidates_large
            ),
            n_local=self._n_local,
        )
        return space.decode(x)

    def _cache(self, study: Study, signature: Any) -> _StudyCache:
        key = study_key(study)
        cached = self._study_cache.get(key)
        if cached is None or cached.signature != signature:
            cached = _StudyCache(signature)
            self._study_cache[key] = cached
        return cached


class _StudyCache:
    """Derived data of one study under one search space (never the source of truth)."""

    def __init__(self, signature: Any) -> None:
        self.signature = signature
        self.thetas: dict[tuple[str, int], tuple[np.ndarray, int]] = {}
        self._rows: dict[int, np.ndarray] = {}

    def encode(self, space: SearchSpace, trials: list[FrozenTrial]) -> np.ndarray:
        """Encoded parameters of finished trials; each trial is encoded once."""
        missing = [t for t in trials if t.number not in self._rows]
        if missing:
            for t, row in zip(missing, space.encode([t.params for t in missing])):
                self._rows[t.number] = row
        if not trials:
            return np.empty((0, space.dim))
        return np.array([self._rows[t.number] for t in trials])


def _encode_running(space: SearchSpace, running_params: list[dict[str, Any]]) -> np.ndarray:
    rows = []
    for params in running_params:
        try:
            row = space.encode([params])
        except (ValueError, TypeError):
            continue  # e.g. a value from a different distribution of the same name
        if np.all(np.isfinite(row)):
            rows.append(row[0])
    return np.array(rows).reshape(len(rows), space.dim)


def _clip_non_finite(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if finite.all():
        return values
    warnings.warn(
        "Clip non-finite values to the min/max finite values for GP fittings.", stacklevel=3
    )
    any_finite = finite.any(axis=0)
    lo = np.where(any_finite, np.min(np.where(finite, values, np.inf), axis=0), 0.0)
    hi = np.where(any_finite, np.max(np.where(finite, values, -np.inf), axis=0), 0.0)
    return np.clip(values, lo, hi)


def _standardize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = values.mean(axis=0)
    std = values.std(axis=0)
    return (values - mean) / np.maximum(std, _EPS), mean, std


def _constraint_matrix(trials: list[FrozenTrial]) -> np.ndarray:
    keys = list(trials[0].constraints)
    rows = []
    for t in trials:
        constraints = t.constraints
        if len(constraints) != len(keys) or set(constraints) != set(keys):
            raise ValueError(
                "The number of constraints must be the same for all trials: trial "
                f"{trials[0].number} has {sorted(keys)} but trial {t.number} has "
                f"{sorted(constraints)}."
            )
        rows.append([float(constraints[k]) for k in keys])
    return _clip_non_finite(np.array(rows, dtype=float))


def _reference_point(front: np.ndarray) -> np.ndarray:
    """A point slightly worse than the front's worst value in every objective."""
    nadir, ideal = front.max(axis=0), front.min(axis=0)
    return nadir + 0.1 * np.maximum(nadir - ideal, 1.0)
