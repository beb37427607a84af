"""A sampler backed by scikit-optimize's ``Optimizer`` (GP, RF, ET or GBRT surrogate)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import logging
from hpo.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from hpo.exceptions import ExperimentalWarning
from hpo.samplers._base import BaseSampler
from hpo.samplers._random import RandomSampler
from hpo.search_space import IntersectionSearchSpace
from hpo.study._study_direction import StudyDirection
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)

_IMPORT_ERROR = (
    "SkoptSampler needs scikit-optimize, which is not installed. Install the `skopt` extra: "
    "pip install 'hpo[skopt]' (or pip install scikit-optimize)."
)
_INDEPENDENT_SAMPLING_WARNING = (
    "The parameter `{param_name}` in Trial#{trial_number} is sampled independently "
    "using `{independent_sampler_name}` instead of `SkoptSampler`, potentially degrading the "
    "optimization performance. This fallback happened because dynamic search space is not "
    "supported by `SkoptSampler`. You can suppress this warning by setting "
    "`warn_independent_sampling` to `False` in the constructor of `SkoptSampler` if this "
    "independent sampling is intended behavior."
)


def _import_skopt() -> Any:
    try:
        import skopt
    except ImportError as e:
        raise ImportError(_IMPORT_ERROR) from e
    return skopt


class SkoptSampler(BaseSampler):
    """Sampler using `scikit-optimize <https://scikit-optimize.github.io/>`__'s ``Optimizer``.

    For every trial the parameters shared by all finished trials are sampled jointly by a
    ``skopt.Optimizer`` that is told every finished trial of the study (read from storage, so
    several workers share one model). Other parameters go to ``independent_sampler``.
    Floats, ints (log and step included) and categorical parameters are supported.

    Requires the ``skopt`` extra (``pip install 'hpo[skopt]'``).

    Example:
        >>> import hpo
        >>> sampler = hpo.integration.SkoptSampler(
        ...     skopt_kwargs={"base_estimator": "ET", "n_initial_points": 5}, seed=0
        ... )
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.5) ** 2, n_trials=8)

    Args:
        independent_sampler: Sampler for the parameters outside the joint search space
            (default: :class:`~hpo.samplers.RandomSampler` with ``seed``).
        warn_independent_sampling: Log a warning when a parameter is sampled independently
            after the startup trials.
        skopt_kwargs: Keyword arguments of ``skopt.Optimizer`` except ``dimensions``, e.g.
            ``base_estimator`` (``"GP"``, ``"RF"``, ``"ET"``, ``"GBRT"`` or a regressor),
            ``n_initial_points``, ``acq_func``, ``acq_optimizer``.
        n_startup_trials: Trials sampled by ``independent_sampler`` before skopt takes over.
        consider_pruned_trials: Use PRUNED trials, valued by their last intermediate value.
        seed: Seed for ``independent_sampler`` and for skopt's ``random_state`` (unless
            ``skopt_kwargs`` sets it).

    Raises:
        ImportError: scikit-optimize is not installed.
    """

    def __init__(
        self,
        independent_sampler: BaseSampler | None = None,
        warn_independent_sampling: bool = True,
        skopt_kwargs: dict[str, Any] | None = None,
        n_startup_trials: int = 1,
        *,
        consider_pruned_trials: bool = False,
        seed: int | None = None,
    ) -> None:
        _import_skopt()
        kwargs = dict(skopt_kwargs or {})
        if "dimensions" in kwargs:
            warnings.warn(
                "`dimensions` in `skopt_kwargs` is ignored: SkoptSampler derives the "
                "dimensions from the study's search space.",
                UserWarning,
                stacklevel=2,
            )
            del kwargs["dimensions"]
        if consider_pruned_trials:
            warnings.warn(
                "Argument ``consider_pruned_trials`` is an experimental feature. The interface "
                "can change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
        self._skopt_kwargs = kwargs
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        self._n_startup_trials = n_startup_trials
        self._consider_pruned_trials = consider_pruned_trials
        self._search_space = IntersectionSearchSpace(include_pruned=consider_pruned_trials)
        self._seed_base = int(
            seed if seed is not None else np.random.SeedSequence().generate_state(1)[0]
        )

    def reseed_rng(self) -> None:
        self._independent_sampler.reseed_rng()
        self._seed_base = int(np.random.SeedSequence().generate_state(1)[0])

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {
            name: dist
            for name, dist in self._search_space.calculate(study).items()
            if not dist.single()
        }

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        self._raise_error_if_multi_objective(study)
        if not search_space:
            return {}
        observations = self._observations(study, search_space)
        if len(observations[0]) < self._n_startup_trials:
            return {}
        optimizer = _Optimizer(search_space, self._optimizer_kwargs(trial.number))
        optimizer.tell(*observations)
        return optimizer.ask()

    def _optimizer_kwargs(self, trial_number: int) -> dict[str, Any]:
        kwargs = dict(self._skopt_kwargs)
        # A fresh optimizer is built per trial: derive its random state from the trial number so
        # that skopt's initial random points differ between trials yet stay reproducible.
        base = kwargs.get("random_state")
        if base is None or isinstance(base, (int, np.integer)):
            root = self._seed_base if base is None else int(base)
            seq = np.random.SeedSequence([root, trial_number])
            kwargs["random_state"] = int(seq.generate_state(1)[0] % (2**31 - 1))
        return kwargs

    def _observations(
        self, study: Study, search_space: dict[str, BaseDistribution]
    ) -> tuple[list[dict[str, Any]], list[float]]:
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        params: list[dict[str, Any]] = []
        values: list[float] = []
        for t in study._get_trials(deepcopy=False, use_cache=True):
            value = _trial_value(t, self._consider_pruned_trials)
            if value is None or not math.isfinite(value):
                continue
            if not all(
                name in t.params and dist._contains(dist.to_internal_repr(t.params[name]))
                for name, dist in search_space.items()
            ):
                continue
            params.append(t.params)
            values.append(sign * value)
        return params, values

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        self._raise_error_if_multi_objective(study)
        if self._warn_independent_sampling:
            n_finished = sum(
                1
                for t in study._get_trials(deepcopy=False, use_cache=True)
                if _trial_value(t, self._consider_pruned_trials) is not None
            )
            if n_finished >= self._n_startup_trials:
                _logger.warning(
                    _INDEPENDENT_SAMPLING_WARNING.format(
                        param_name=param_name,
                        trial_number=trial.number,
                        independent_sampler_name=self._independent_sampler.__class__.__name__,
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
        self._independent_sampler.after_trial(study, trial, state, values)


class _Optimizer:
    """A ``skopt.Optimizer`` over a search space, speaking external parameter values."""

    def __init__(self, search_space: dict[str, BaseDistribution], kwargs: dict[str, Any]) -> None:
        skopt = _import_skopt()
        from skopt.space import Categorical, Integer, Real

        self._search_space = search_space
        dimensions = []
        for dist in search_space.values():
            if isinstance(dist, CategoricalDistribution):
                dimensions.append(Categorical(list(range(len(dist.choices)))))
            elif isinstance(dist, IntDistribution):
                if dist.log:
                    dimensions.append(Integer(dist.low, dist.high, prior="log-uniform"))
                else:
                    dimensions.append(Integer(0, (dist.high - dist.low) // dist.step))
            else:
                assert isinstance(dist, FloatDistribution)
                if dist.log:
                    dimensions.append(Real(dist.low, dist.high, prior="log-uniform"))
                elif dist.step is not None:
                    n_steps = int(round((dist.high - dist.low) / dist.step))
                    dimensions.append(Integer(0, n_steps))
                else:
                    dimensions.append(Real(dist.low, dist.high))
        kwargs = dict(kwargs)
        kwargs["base_estimator"] = _compatible_estimator(kwargs.get("base_estimator", "GP"))
        self._optimizer = skopt.Optimizer(dimensions, **kwargs)

    def tell(self, params: list[dict[str, Any]], values: list[float]) -> None:
        if params:
            xs = [self._to_skopt(p) for p in params]
            self._optimizer.tell(xs, values)

    def ask(self) -> dict[str, Any]:
        point = self._optimizer.ask()
        return {
            name: _from_skopt(dist, value)
            for (name, dist), value in zip(self._search_space.items(), point)
        }

    def _to_skopt(self, params: dict[str, Any]) -> list[Any]:
        point: list[Any] = []
        for name, dist in self._search_space.items():
            value = params[name]
            if isinstance(dist, CategoricalDistribution):
                point.append(int(dist.to_internal_repr(value)))
            elif isinstance(dist, IntDistribution):
                point.append(int(value) if dist.log else (int(value) - dist.low) // dist.step)
            else:
                assert isinstance(dist, FloatDistribution)
                if dist.step is not None:
                    point.append(int(round((value - dist.low) / dist.step)))
                else:
                    point.append(float(value))
        return point


def _from_skopt(dist: BaseDistribution, value: Any) -> Any:
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[int(value)]
    if isinstance(dist, IntDistribution):
        external = int(value) if dist.log else dist.low + int(value) * dist.step
        return min(max(external, dist.low), dist.high)
    assert isinstance(dist, FloatDistribution)
    if dist.step is not None:
        return float(min(max(dist.low + int(value) * dist.step, dist.low), dist.high))
    return float(min(max(float(value), dist.low), dist.high))


def _trial_value(t: FrozenTrial, consider_pruned: bool) -> float | None:
    if t.state == TrialState.COMPLETE:
        return t.values[0] if t.values else None
    if consider_pruned and t.state == TrialState.PRUNED and t.intermediate_values:
        return float(t.intermediate_values[max(t.intermediate_values)])
    return None


def _compatible_estimator(base_estimator: Any) -> Any:
    """Work around scikit-optimize 0.10's GBRT surrogate on current scikit-learn and numpy.

    Its ``GradientBoostingQuantileRegressor`` lists ``BaseEstimator`` before ``RegressorMixin``,
    so scikit-learn >= 1.6 no longer recognises it as a regressor, and its ``predict`` calls
    ``np.in1d``, removed in numpy 2.4. Swap in a subclass that fixes both.
    """
    from skopt.learning import GradientBoostingQuantileRegressor

    if isinstance(base_estimator, str) and base_estimator.upper() == "GBRT":
        from sklearn.ensemble import GradientBoostingRegressor

        gbrt = GradientBoostingRegressor(n_estimators=30, loss="quantile")
        return _GBRTQuantileRegressor(base_estimator=gbrt)
    if type(base_estimator) is GradientBoostingQuantileRegressor:
        return _GBRTQuantileRegressor(**base_estimator.get_params(deep=False))
    return base_estimator


def _gbrt_class() -> type:
    from skopt.learning import GradientBoostingQuantileRegressor

    class GBRTQuantileRegressor(GradientBoostingQuantileRegressor):  # type: ignore[misc]
        def __sklearn_tags__(self) -> Any:
            from sklearn.utils import RegressorTags

            tags = super().__sklearn_tags__()
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            return tags

        def predict(self, X: Any, return_std: bool = False, return_quantiles: bool = False) -> Any:
            if not return_std or return_quantiles:
                return super().predict(X, return_std=False, return_quantiles=return_quantiles)
            quantiles = list(self.quantiles)
            needed = (0.16, 0.5, 0.84)
            if not all(q in quantiles for q in needed):
                raise ValueError(
                    f"return_std needs the quantiles {needed}, but this regressor predicts "
                    f"{tuple(quantiles)}."
                )
            predicted = np.asarray([rgr.predict(X) for rgr in self.regressors_])
            low, mid, high = (predicted[quantiles.index(q)] for q in needed)
            return mid, (high - low) / 2.0

    return GBRTQuantileRegressor


def _GBRTQuantileRegressor(**params: Any) -> Any:
    global _GBRT_CLASS
    if _GBRT_CLASS is None:
        _GBRT_CLASS = _gbrt_class()
    return _GBRT_CLASS(**params)


_GBRT_CLASS: type | None = None
