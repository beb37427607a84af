from __future__ import annotations

import datetime
import json
import numbers
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hpo import _constraints
from hpo._deprecated import deprecated_func
from hpo.distributions import (
    BaseDistribution,
    CategoricalChoiceType,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    _get_single_value,
    check_distribution_compatibility,
)
from hpo.trial._base import BaseTrial

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial._frozen import FrozenTrial

FIXED_PARAMS_KEY = "fixed_params"


def check_json_attr(owner: str, key: str, value: Any) -> None:
    """Raise a TypeError naming ``key`` if ``value`` cannot be stored as JSON."""
    if not isinstance(key, str):
        raise TypeError(f"{owner} attribute keys must be str, but got {key!r}.")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return
    try:
        json.dumps(value)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{owner} attribute {key!r} must be JSON-serialisable (None, bool, int, float, str, "
            f"and lists/dicts of them), but got {type(value).__name__}: {e}."
        ) from None


class Trial(BaseTrial):
    """One evaluation of the objective function; it suggests parameters and reports progress.

    Trials are created by :meth:`Study.optimize` or :meth:`Study.ask`, not by users.

    Example:
        >>> import hpo
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     n = trial.suggest_int("n", 1, 5)
        ...     kind = trial.suggest_categorical("kind", ["a", "b"])
        ...     return (x - 2) ** 2 + n + (kind == "b")
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=5)
    """

    def __init__(self, study: Study, trial_id: int) -> None:
        self.study = study
        self._trial_id = trial_id
        self.storage = study._storage
        self._cached_frozen_trial: FrozenTrial = self.storage.get_trial(trial_id)
        self._sampler_study = _sampler_view(study, self._cached_frozen_trial)
        sampler = study.sampler
        sampler.before_trial(self._sampler_study, self._cached_frozen_trial)
        self.relative_search_space = sampler.infer_relative_search_space(
            self._sampler_study, self._cached_frozen_trial
        )
        self._relative_params: dict[str, Any] | None = None
        self._fixed_params: dict[str, Any] = self._cached_frozen_trial.system_attrs.get(
            FIXED_PARAMS_KEY, {}
        )

    # --- suggest API --------------------------------------------------------------------------

    def suggest_float(
        self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False
    ) -> float:
        """Suggest a float in ``[low, high]``.

        Args:
            name: Parameter name.
            low: Lower bound, inclusive.
            high: Upper bound, inclusive.
            step: Discretisation step; not allowed with ``log``.
            log: Sample in log space; needs ``low > 0``.

        Raises:
            ValueError: Invalid bounds or options, or ``name`` was suggested before with an
                incompatible distribution.
        """
        distribution = FloatDistribution(low, high, log=log, step=step)
        value = self._suggest(name, distribution)
        return float(value)

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(name, low, high) instead.")
    def suggest_uniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high)``."""
        return self.suggest_float(name, low, high)

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(..., log=True) instead.")
    def suggest_loguniform(self, name: str, low: float, high: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, log=True)``."""
        return self.suggest_float(name, low, high, log=True)

    @deprecated_func("3.0.0", "6.0.0", text="Use suggest_float(..., step=q) instead.")
    def suggest_discrete_uniform(self, name: str, low: float, high: float, q: float) -> float:
        """Deprecated: use ``suggest_float(name, low, high, step=q)``."""
        return self.suggest_float(name, low, high, step=q)

    def suggest_int(
        self, name: str, low: int, high: int, *, step: int = 1, log: bool = False
    ) -> int:
        """Suggest an integer in ``[low, high]``.

        Raises:
            TypeError: ``low``, ``high`` or ``step`` is not an integer (integral floats and
                numpy integers are accepted).
            ValueError: Invalid bounds or options, or an incompatible earlier distribution.
        """
        for arg_name, arg in (("low", low), ("high", high), ("step", step)):
            if isinstance(arg, numbers.Integral) and not isinstance(arg, bool):
                continue  # int, numpy integers
            if isinstance(arg, bool) or not (
                isinstance(arg, numbers.Real) and float(arg).is_integer()
            ):
                raise TypeError(
                    f"suggest_int({name!r}) needs an integer `{arg_name}`, but got {arg!r}."
                )
        distribution = IntDistribution(int(low), int(high), log=log, step=int(step))
        return int(self._suggest(name, distribution))

    def suggest_categorical(
        self, name: str, choices: Sequence[CategoricalChoiceType]
    ) -> CategoricalChoiceType:
        """Suggest one of ``choices`` (None, bool, int, float or str values).

        Raises:
            ValueError: ``choices`` is empty or differs from an earlier suggestion of ``name``.
        """
        return self._suggest(name, CategoricalDistribution(choices=choices))

    def _suggest(self, name: str, distribution: BaseDistribution) -> Any:
        frozen = self._cached_frozen_trial
        known = frozen._distributions.get(name)
        if known is not None:
            check_distribution_compatibility(known, distribution)
            if known != distribution:
                warnings.warn(
                    f"The parameter {name!r} was suggested before in this trial with {known}; "
                    f"now with {distribution}. The first value is returned again.",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return frozen._params[name]

        if name in self._fixed_params and self._fixed_value_fits(name, distribution):
            value = self._fixed_params[name]
        elif distribution.single():
            value = _get_single_value(distribution)
        elif self._is_relative_param(name, distribution):
            value = self.relative_params[name]
        else:
            value = self.study.sampler.sample_independent(
                self._sampler_study, frozen, name, distribution
            )

        internal = distribution.to_internal_repr(value)
        value = distribution.to_external_repr(internal)
        self.storage.set_trial_param(self._trial_id, name, internal, distribution)
        frozen._distributions[name] = distribution
        frozen._params[name] = value
        return value

    def _fixed_value_fits(self, name: str, distribution: BaseDistribution) -> bool:
        value = self._fixed_params[name]
        try:
            internal = distribution.to_internal_repr(value)
        except ValueError:
            internal = None
        if internal is not None and distribution._contains(internal):
            return True
        warnings.warn(
            f"The enqueued value {value!r} of {name!r} is outside {distribution}; "
            "a value is sampled instead.",
            stacklevel=4,
        )
        return False

    def _is_relative_param(self, name: str, distribution: BaseDistribution) -> bool:
        if name not in self.relative_search_space:
            return False
        if name not in self.relative_params:
            return False
        relative_distribution = self.relative_search_space[name]
        check_distribution_compatibility(relative_distribution, distribution)
        internal = distribution.to_internal_repr(self.relative_params[name])
        return distribution._contains(internal)

    @property
    def relative_params(self) -> dict[str, Any]:
        """Parameters sampled jointly by ``sampler.sample_relative`` (computed on first use)."""
        if self._relative_params is None:
            if self.relative_search_space:
                self._relative_params = self.study.sampler.sample_relative(
                    self._sampler_study, self._cached_frozen_trial, self.relative_search_space
                )
            else:
                self._relative_params = {}
        return self._relative_params

    # --- pruning ------------------------------------------------------------------------------

    def report(self, value: float, step: int) -> None:
        """Report an intermediate objective value, e.g. a validation score after an epoch.

        Args:
            value: The intermediate value (a number).
            step: A non-negative integer step. A step reported before is ignored with a warning.

        Raises:
            NotImplementedError: The study has several objectives.
            TypeError: ``value`` is not a number.
            ValueError: ``step`` is negative.
            UpdateFinishedTrialError: The trial has finished.
        """
        if self.study._is_multi_objective():
            raise NotImplementedError(
                "Trial.report is not supported for multi-objective optimization: pruners compare "
                "a single intermediate value."
            )
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"Trial.report needs a number for `value`, but got {value!r} "
                f"of type {type(value).__name__}."
            ) from None
        try:
            step_int = int(step)
        except (TypeError, ValueError):
            raise TypeError(f"Trial.report needs an integer `step`, but got {step!r}.") from None
        if step_int != step or step_int < 0:
            raise ValueError(
                f"Trial.report needs a non-negative integer `step`, but got {step!r}."
            )
        frozen = self._cached_frozen_trial
        if step_int in frozen.intermediate_values:
            warnings.warn(
                f"Step {step_int} was already reported for trial {frozen.number}; "
                f"the new value {value} is ignored and the first one is kept.",
                stacklevel=2,
            )
            return
        self.storage.set_trial_intermediate_value(self._trial_id, step_int, value)
        frozen.intermediate_values[step_int] = value

    def should_prune(self) -> bool:
        """Ask the study's pruner whether to stop this trial (after ``report``).

        Raises:
            NotImplementedError: The study has several objectives.
        """
        if self.study._is_multi_objective():
            raise NotImplementedError(
                "Trial.should_prune is not supported for multi-objective optimization."
            )
        return self.study.pruner.prune(self.study, self._cached_frozen_trial)

    # --- attributes ---------------------------------------------------------------------------

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable user attribute to the trial.

        Raises:
            TypeError: ``value`` cannot be stored as JSON (the message names ``key``).
        """
        check_json_attr("User", key, value)
        self.storage.set_trial_user_attr(self._trial_id, key, value)
        self._cached_frozen_trial._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        check_json_attr("System", key, value)
        self.storage.set_trial_system_attr(self._trial_id, key, value)
        self._cached_frozen_trial._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Set a constraint value; the trial is feasible when all values are ``<= 0``.

        Raises:
            TypeError: ``value`` is not a number.
            ValueError: ``value`` is NaN.
        """
        value = _constraints.check_constraint_value(key, value)
        attr_key = _constraints.constraint_attr_key(key)
        if attr_key in self._cached_frozen_trial._system_attrs:
            warnings.warn(
                f"Constraint {key!r} is already set; the new value {value} is ignored.",
                stacklevel=2,
            )
            return
        self.storage.set_trial_system_attr(self._trial_id, attr_key, value)
        self._cached_frozen_trial._system_attrs[attr_key] = value

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial._params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return dict(self._cached_frozen_trial._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        return dict(self._cached_frozen_trial._system_attrs)

    @property
    def constraints(self) -> dict[str, float]:
        return self._cached_frozen_trial.constraints

    @property
    def datetime_start(self) -> datetime.datetime | None:
        return self._cached_frozen_trial.datetime_start

    @property
    def number(self) -> int:
        return self._cached_frozen_trial.number

    def _get_latest_trial(self) -> FrozenTrial:
        return self._cached_frozen_trial


def _sampler_view(study: Study, trial: FrozenTrial) -> Study:
    """The study as the sampler should see it for ``trial``.

    A pruner may restrict what the sampler sees (Hyperband shows only the trial's bracket) by
    defining ``_filter_study(study, trial) -> Study``.
    """
    filter_study = getattr(study.pruner, "_filter_study", None)
    if filter_study is None:
        return study
    return filter_study(study, trial)
