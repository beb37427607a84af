"""Quasi-Monte Carlo sampler: low-discrepancy Sobol' or Halton points, shared by all workers."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpo import logging
from hpo._deprecated import experimental_class
from hpo.distributions import BaseDistribution, CategoricalDistribution
from hpo.samplers._base import BaseSampler
from hpo.samplers._ga._base import _FinishedPrefixFold
from hpo.samplers._ga._transform import unwarp, warped_bounds
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_logger = logging.get_logger(__name__)

_SUGGESTED_STATES = (TrialState.COMPLETE, TrialState.PRUNED)
_QMC_TYPES = ("halton", "sobol")
# Trial system attribute recording which point of the sequence the trial took.
_SAMPLE_ID_KEY = "QMCSampler:sample_id"
# Claiming a sample index is a read-increment-write of a study attribute: the lock makes it exact
# between threads; between processes a clash is detected afterwards (see `_claim_sample_id`).
_claim_lock = threading.Lock()
_MAX_CLAIMS = 10
_FIRST_FINISHED = "first finished"
_engine_lock = threading.Lock()


def _no_space() -> dict[str, Any]:
    return {"space": None}


def _keep_first_finished(acc: dict[str, Any], trial: FrozenTrial) -> dict[str, Any]:
    if acc["space"] is None and trial.state in _SUGGESTED_STATES:
        return {"space": dict(trial.distributions)}
    return acc


@experimental_class("3.0.0")
class QMCSampler(BaseSampler):
    """Sample from a quasi-Monte Carlo (low-discrepancy) sequence, via ``scipy.stats.qmc``.

    QMC points fill the search space more evenly than independent random draws. The search space
    is fixed by the first finished trial (the first trial itself is sampled by
    ``independent_sampler``); parameters outside it are sampled by ``independent_sampler`` too.

    The index of the next point is kept in the study's system attributes, so workers in several
    threads or processes sharing a storage draw consecutive points of the same sequence (with
    ``scramble=True`` they must share ``seed``).

    Args:
        qmc_type: ``"sobol"`` or ``"halton"``. Sobol' points are best balanced when the number
            of trials is a power of two.
        scramble: Randomise the sequence (with ``seed``).
        seed: Seed of the scrambling and of the default independent sampler. Used for scrambling
            only when ``scramble`` is true; ``None`` draws one at random.
        independent_sampler: Sampler for the first trial and for parameters outside the search
            space; a :class:`~hpo.samplers.RandomSampler` when ``None``.
        warn_asynchronous_seeding: Log a warning when ``scramble`` is true and ``seed`` is
            ``None`` (workers would then scramble differently).
        warn_independent_sampling: Log a warning when a parameter is sampled by
            ``independent_sampler`` after the first trial.

    Raises:
        ValueError: ``qmc_type`` is not ``"sobol"`` or ``"halton"``.

    Example:
        >>> import hpo
        >>> sampler = hpo.samplers.QMCSampler(qmc_type="sobol")
        >>> study = hpo.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=8)
    """

    def __init__(
        self,
        *,
        qmc_type: str = "sobol",
        scramble: bool = False,
        seed: int | None = None,
        independent_sampler: BaseSampler | None = None,
        warn_asynchronous_seeding: bool = True,
        warn_independent_sampling: bool = True,
    ) -> None:
        if qmc_type not in _QMC_TYPES:
            raise ValueError(
                f"The `qmc_type={qmc_type!r}` is invalid. Choose either `halton` or `sobol`."
            )
        from hpo.samplers._random import RandomSampler

        self._qmc_type = qmc_type
        self._scramble = scramble
        self._seed = int(np.random.PCG64().random_raw()) if seed is None else seed
        self._independent_sampler = independent_sampler or RandomSampler(seed=seed)
        self._warn_independent_sampling = warn_independent_sampling
        self._engines: dict[int, Any] = {}
        self._prefix_fold = _FinishedPrefixFold()
        if seed is None and scramble and warn_asynchronous_seeding:
            self._log_asynchronous_seeding()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_engines"] = {}
        return state

    def reseed_rng(self) -> None:
        # The scrambling seed stays: every worker must walk the same sequence.
        self._independent_sampler.reseed_rng()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        first = self._first_finished_space(study)
        if first is not None:
            return dict(sorted(first.items()))
        # No finished trial yet: follow the trials already running, if any (parallel start).
        union: dict[str, BaseDistribution] = {}
        common: set[str] | None = None
        for t in study._get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            union.update(t.distributions)
            if common is None:
                common = set(t.distributions)
            elif t.distributions:
                common &= set(t.distributions)
        if common is not None and common != set(union):
            _logger.warning(
                "`QMCSampler` assumes that the search space does not include any conditions. "
                "Please make sure the provided search space is non-conditional."
            )
        return dict(sorted(union.items()))

    def _first_finished_space(self, study: Study) -> dict[str, BaseDistribution] | None:
        """Distributions of the lowest-numbered COMPLETE or PRUNED trial, if there is one."""
        return self._prefix_fold(study, _FIRST_FINISHED, _no_space, _keep_first_finished)["space"]

    @staticmethod
    def _log_asynchronous_seeding() -> None:
        _logger.warning(
            "No seed is provided for `QMCSampler` and the seed is set randomly. If you are "
            "running multiple `QMCSampler`s in parallel and/or distributed environment, the same "
            "seed must be used in all samplers to ensure that resulting samples are taken from "
            "the same QMC sequence."
        )

    def _log_independent_sampling(self, trial: FrozenTrial, param_name: str) -> None:
        independent = self._independent_sampler.__class__.__name__
        _logger.warning(
            f"The parameter `{param_name}` in Trial#{trial.number} is sampled independently "
            f"using `{independent}` instead of `QMCSampler`, potentially degrading the "
            "optimization performance. This fallback happened because dynamic search space is "
            "not supported by `QMCSampler`. You can suppress this warning by setting "
            "`warn_independent_sampling` to `False` in the constructor of `QMCSampler` if this "
            "independent sampling is intended behavior."
        )

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if self._warn_independent_sampling and self._first_finished_space(study) is not None:
            self._log_independent_sampling(trial, param_name)
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        search_space = dict(sorted(search_space.items()))
        point = self._sample_qmc(study, trial, search_space)
        params: dict[str, Any] = {}
        for (name, dist), u in zip(search_space.items(), point.tolist()):
            if isinstance(dist, CategoricalDistribution):
                # Flooring a coordinate in [0, 1) gives every choice an equal share.
                n = len(dist.choices)
                params[name] = dist.choices[min(int(u * n), n - 1)]
            else:
                low, high = warped_bounds(dist)  # type: ignore[arg-type]
                params[name] = unwarp(dist, low + u * (high - low))  # type: ignore[arg-type]
        return params

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

    def _sample_qmc(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> np.ndarray:
        from scipy.stats import qmc

        sample_id = self._claim_sample_id(study, trial, search_space)
        d = len(search_space)
        # One engine per dimension, rewound for every draw; scipy engines are not thread-safe.
        with _engine_lock:
            engine = self._engines.get(d)
            if engine is None:
                if self._qmc_type == "sobol":
                    engine = qmc.Sobol(d, scramble=self._scramble, seed=self._seed)
                else:
                    engine = qmc.Halton(d, scramble=self._scramble, seed=self._seed)
                self._engines[d] = engine
            engine.reset()
            if sample_id > 0:
                engine.fast_forward(sample_id)
            return engine.random(1)[0]

    def _sequence_key(self, search_space: dict[str, BaseDistribution]) -> str:
        description: dict[str, Any] = {
            "qmc_type": self._qmc_type,
            "search_space": {name: str(dist) for name, dist in sorted(search_space.items())},
        }
        # Unscrambled sequences do not depend on the seed.
        if self._scramble:
            description.update(scramble=True, seed=self._seed)
        else:
            description.update(scramble=False)
        return "qmc:" + hashlib.sha256(json.dumps(description).encode()).hexdigest()

    def _claim_sample_id(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> int:
        """Take the next unused index of the sequence and record it on the trial.

        Within a process the lock makes the counter exact. Across processes two workers may read
        the same counter value; each then looks at the other running trials, and a worker that
        finds its index taken claims again, so no two trials keep the same point.
        """
        storage, study_id = study._storage, study._study_id
        key = self._sequence_key(search_space)
        trial_key = f"{_SAMPLE_ID_KEY}:{key}"
        sample_id = -1
        for _ in range(_MAX_CLAIMS):
            with _claim_lock:
                current = storage.get_study_system_attrs(study_id).get(key, -1)
                sample_id = max(current, sample_id) + 1
                storage.set_study_system_attr(study_id, key, sample_id)
                storage.set_trial_system_attr(trial._trial_id, trial_key, sample_id)
            clash = any(
                t._trial_id != trial._trial_id and t.system_attrs.get(trial_key) == sample_id
                for t in self._prefix_fold.unsettled(study, _FIRST_FINISHED)
                if t.state is TrialState.RUNNING
            )
            if not clash:
                break
        return sample_id
