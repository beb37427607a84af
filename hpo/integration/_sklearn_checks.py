"""Validation of :class:`~hpo.integration.OptunaSearchCV`'s constructor arguments.

scikit-learn estimators store their constructor arguments untouched and validate them in ``fit``;
these helpers do that validation. Each error names the parameter, the bad value and what is
allowed, in scikit-learn's wording.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np

from hpo.distributions import BaseDistribution
from hpo.study import Study
from hpo.study._study_direction import StudyDirection

try:
    from sklearn.utils._param_validation import InvalidParameterError
except ImportError:  # scikit-learn < 1.2 has no such class

    class InvalidParameterError(ValueError, TypeError):  # type: ignore[no-redef]
        """A constructor argument has a bad type or value (catchable as either)."""


_OWNER = "OptunaSearchCV"


class Checked(NamedTuple):
    """Constructor arguments as ``fit`` uses them."""

    n_jobs: int
    catch: tuple[type[Exception], ...]
    callbacks: list[Callable[..., None]] | None


def _fail(name: str, allowed: str, value: Any) -> InvalidParameterError:
    return InvalidParameterError(
        f"The {name!r} parameter of {_OWNER} must be {allowed}. Got {value!r} instead."
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_params(search: Any) -> Checked:
    """Validate ``search``'s constructor arguments.

    Raises:
        InvalidParameterError: An argument has a bad type or value (a ``ValueError`` and a
            ``TypeError``, as in scikit-learn).
    """
    estimator = search.estimator
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise _fail("estimator", "a scikit-learn estimator (with fit and get_params)", estimator)
    _check_param_distributions(estimator, search.param_distributions)

    for name in ("enable_pruning", "return_train_score"):
        if not _is_bool(getattr(search, name)):
            raise _fail(name, "a bool", getattr(search, name))
    if search.enable_pruning and not hasattr(estimator, "partial_fit"):
        raise _fail(
            "enable_pruning",
            f"False for an estimator without partial_fit ({type(estimator).__name__} has none)",
            search.enable_pruning,
        )

    error_score = search.error_score
    if not (_is_real(error_score) or (isinstance(error_score, str) and error_score == "raise")):
        raise _fail("error_score", "'raise' or a number (e.g. nan)", error_score)
    if not (_is_int(search.max_iter) and search.max_iter >= 1):
        raise _fail("max_iter", "an int >= 1", search.max_iter)
    n_jobs = search.n_jobs
    if not (n_jobs is None or (_is_int(n_jobs) and (n_jobs == -1 or n_jobs >= 1))):
        raise _fail("n_jobs", "None, -1 (all CPUs) or an int >= 1", n_jobs)
    n_trials = search.n_trials
    if not (n_trials is None or (_is_int(n_trials) and n_trials >= 1)):
        raise _fail("n_trials", "None or an int >= 1", n_trials)
    random_state = search.random_state
    if not (
        random_state is None
        or (_is_int(random_state) and 0 <= random_state < 2**32)
        or isinstance(random_state, np.random.RandomState)
    ):
        raise _fail(
            "random_state", "None, an int in [0, 2**32 - 1] or a numpy RandomState", random_state
        )

    subsample = search.subsample
    if not (
        (_is_real(subsample) and not _is_int(subsample) and 0.0 < subsample <= 1.0)
        or (_is_int(subsample) and subsample >= 1)
    ):
        raise _fail("subsample", "a float in (0, 1] or an int >= 1", subsample)
    timeout = search.timeout
    if not (timeout is None or (_is_real(timeout) and timeout > 0)):
        raise _fail("timeout", "None or a number of seconds > 0", timeout)
    if not _is_int(search.verbose):
        raise _fail("verbose", "an int", search.verbose)
    _check_study(search.study)
    return Checked(
        n_jobs=1 if n_jobs is None else int(n_jobs),
        catch=_check_catch(search.catch),
        callbacks=_check_callbacks(search.callbacks),
    )


def _check_param_distributions(estimator: Any, param_distributions: Any) -> None:
    if not isinstance(param_distributions, Mapping):
        raise _fail(
            "param_distributions",
            "a dict mapping parameter names to hpo distributions",
            param_distributions,
        )
    valid = estimator.get_params(deep=True)
    for name, distribution in param_distributions.items():
        if not isinstance(distribution, BaseDistribution):
            raise InvalidParameterError(
                f"The {'param_distributions'!r} parameter of {_OWNER} must map parameter names "
                f"to hpo distributions (hpo.distributions.FloatDistribution, IntDistribution or "
                f"CategoricalDistribution). Got {distribution!r} for {name!r} instead."
            )
        if name not in valid:
            raise InvalidParameterError(
                f"The {'param_distributions'!r} parameter of {_OWNER} names {name!r}, which is "
                f"not a parameter of {type(estimator).__name__}. Valid parameters are: "
                f"{sorted(valid)}."
            )


def _check_study(study: Any) -> None:
    if study is None:
        return
    if not isinstance(study, Study):
        raise _fail("study", "None or an hpo.Study", study)
    directions = study.directions
    if directions != [StudyDirection.MAXIMIZE]:
        raise InvalidParameterError(
            f"The 'study' parameter of {_OWNER} must be a single-objective study with "
            "direction='maximize' (scikit-learn scores are higher-is-better). Got study "
            f"{study.study_name!r} with directions {[d.name for d in directions]} instead."
        )


def _check_catch(catch: Any) -> tuple[type[Exception], ...]:
    allowed = "an exception class or a tuple of exception classes"
    items = (catch,) if isinstance(catch, type) else catch
    if not isinstance(items, Iterable) or isinstance(items, (str, bytes, Mapping)):
        raise _fail("catch", allowed, catch)
    items = tuple(items)
    if not all(isinstance(c, type) and issubclass(c, BaseException) for c in items):
        raise _fail("catch", allowed, catch)
    return items


def _check_callbacks(callbacks: Any) -> list[Callable[..., None]] | None:
    if callbacks is None:
        return None
    allowed = "None or a list of callables taking (study, frozen_trial)"
    if not isinstance(callbacks, Iterable) or isinstance(callbacks, (str, bytes, Mapping)):
        raise _fail("callbacks", allowed, callbacks)
    callbacks = list(callbacks)
    if not all(callable(c) for c in callbacks):
        raise _fail("callbacks", allowed, callbacks)
    return callbacks


def check_scoring_and_refit(
    estimator: Any, scoring: Any, refit: Any
) -> tuple[Any, dict[str, Callable[..., float]], str]:
    """Turn ``scoring`` into scorers and pick the metric the search maximises.

    Returns:
        ``(scorer_, scorers, metric)``: the ``scorer_`` attribute (one scorer, or a dict for
        several metrics), the scorers by name (``{"score": scorer}`` for one metric) and the
        name of the optimised metric.
    """
    from sklearn.metrics import check_scoring

    multimetric = isinstance(scoring, (list, tuple, set, dict))
    if not multimetric:
        if not _is_bool(refit):
            raise _fail("refit", "a bool when 'scoring' names a single metric", refit)
        scorer = check_scoring(estimator, scoring=scoring)
        return scorer, {"score": scorer}, "score"

    if isinstance(scoring, dict):
        named = dict(scoring)
    else:
        if not all(isinstance(s, str) for s in scoring) or len(set(scoring)) != len(scoring):
            raise _fail("scoring", "a list of distinct metric names", scoring)
        named = {s: s for s in scoring}
    if not named or not all(isinstance(k, str) for k in named):
        raise _fail("scoring", "a non-empty dict mapping metric names to scorers", scoring)
    scorers = {name: check_scoring(estimator, scoring=s) for name, s in named.items()}
    if not (isinstance(refit, str) and refit in scorers):
        raise _fail(
            "refit",
            f"the name of the metric to optimise, one of {sorted(scorers)}, when 'scoring' "
            "has several metrics",
            refit,
        )
    return scorers, scorers, refit
