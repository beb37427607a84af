"""Small helpers of the CMA-ES sampler: option checks, trial values, per-trial seeds."""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from hpo.samplers._cmaes._transform import _UnitCubeTransform
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.trial import FrozenTrial

RESTART_STRATEGIES = (None, "ipop", "bipop")
# Optuna < 4.9 took these arguments positionally; Optuna 5.0 still accepts that with a warning.
POSITIONAL_NAMES = (
    "x0",
    "sigma0",
    "n_startup_trials",
    "independent_sampler",
    "warn_independent_sampling",
    "seed",
)

F = TypeVar("F", bound=Callable[..., None])


def accept_old_positional_args(init: F) -> F:
    """Let ``__init__`` take the pre-4.9 positional arguments, with a ``FutureWarning``."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if args:
            if len(args) > len(POSITIONAL_NAMES):
                raise TypeError(
                    f"CmaEsSampler() takes at most {len(POSITIONAL_NAMES)} positional arguments "
                    f"({', '.join(POSITIONAL_NAMES)}) but {len(args)} were given."
                )
            names = POSITIONAL_NAMES[: len(args)]
            warnings.warn(
                f"CmaEsSampler() got {set(names)} as positional arguments but they were "
                "expected to be given as keyword arguments.\n"
                f"Positional arguments {list(POSITIONAL_NAMES)} in CmaEsSampler() have been "
                "deprecated since v4.9.0. They will be replaced with the corresponding keyword "
                "arguments in v6.0.0, so please use the keyword specification instead. See "
                "https://github.com/optuna/optuna/releases/tag/v4.9.0 for details.",
                FutureWarning,
                stacklevel=2,
            )
            duplicated = set(names) & set(kwargs)
            if duplicated:
                raise TypeError(f"CmaEsSampler() got multiple values for arguments {duplicated}.")
            kwargs.update(zip(names, args))
        init(self, **kwargs)

    return wrapper  # type: ignore[return-value]


def _validate_options(
    x0: Any, sigma0: Any, restart_strategy: Any, popsize: Any, inc_popsize: Any
) -> None:
    if restart_strategy not in RESTART_STRATEGIES:
        raise ValueError(
            f"restart_strategy={restart_strategy!r} is not supported; use None, 'ipop' or 'bipop'."
        )
    if x0 is not None and not isinstance(x0, dict):
        raise ValueError(
            f"x0 must be a dict mapping parameter names to values, got {type(x0).__name__}."
        )
    if sigma0 is not None and not (isinstance(sigma0, (int, float)) and sigma0 > 0):
        raise ValueError(f"sigma0 must be a positive number, got {sigma0!r}.")
    if popsize is not None and (not isinstance(popsize, int) or popsize < 2):
        raise ValueError(f"popsize must be an integer >= 2 or None, got {popsize!r}.")
    if inc_popsize != -1 and (not isinstance(inc_popsize, int) or inc_popsize < 1):
        raise ValueError(
            f"inc_popsize must be a positive integer (or -1 for the default 2), got "
            f"{inc_popsize!r}."
        )


def _trial_seed(base: int, number: int) -> int:
    """A well-mixed 32-bit seed for one trial (SplitMix64 finaliser; cheaper than SeedSequence)."""
    z = (base * 0x9E3779B97F4A7C15 + number + 1) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) & 0xFFFFFFFF


def _x0_to_unit(x0: dict[str, Any], trans: _UnitCubeTransform) -> np.ndarray:
    missing = [name for name in trans.names if name not in x0]
    if missing:
        raise ValueError(
            f"x0 has no value for the parameters {missing}; it must give a value for every "
            f"numerical parameter of the search space {trans.names}."
        )
    for name, dist in zip(trans.names, trans.distributions):
        value = x0[name]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not dist.low <= value <= dist.high:  # type: ignore[attr-defined]
            raise ValueError(
                f"x0[{name!r}]={value!r} is outside the search space: expected a number in "
                f"[{dist.low}, {dist.high}]."  # type: ignore[attr-defined]
            )
    return np.clip(trans.transform(x0), 0.0, 1.0)


def _trial_value(t: FrozenTrial, consider_pruned: bool) -> float | None:
    if t.state == TrialState.COMPLETE:
        return t.values[0] if t.values else None
    if consider_pruned and t.state == TrialState.PRUNED and t.intermediate_values:
        value = t.intermediate_values[max(t.intermediate_values)]
        return None if value is None or math.isnan(value) else float(value)
    return None


def _has_n_finished(trials: list[FrozenTrial], n: int, consider_pruned: bool) -> bool:
    if n <= 0:
        return True
    count = 0
    for t in trials:
        if t.state == TrialState.COMPLETE or (
            consider_pruned and t.state == TrialState.PRUNED and t.intermediate_values
        ):
            count += 1
            if count >= n:
                return True
    return False
