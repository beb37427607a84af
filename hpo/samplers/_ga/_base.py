"""Generations and populations of genetic-algorithm samplers, kept in the study's storage.

Every trial records its generation in a trial system attribute, and the parents chosen for a
generation are recorded (as trial ids) in a study system attribute, so every process sharing the
storage agrees on both. The attribute names follow Optuna's layout
(``<SamplerClass>:generation`` and ``<SamplerClass>:parent:<generation>``).
"""

from __future__ import annotations

import abc
import copy
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hpo._study_key import study_key
from hpo.samplers._base import BaseSampler
from hpo.trial._state import TrialState

if TYPE_CHECKING:
    from hpo.study import Study
    from hpo.trial import FrozenTrial

_COMPLETE = (TrialState.COMPLETE,)
_Acc = TypeVar("_Acc")


class _FinishedPrefixFold:
    """Fold a study's trials into an accumulator, remembering the part that can no longer change.

    Trials come ordered by number. The leading run of finished trials is final (storages refuse
    updates to finished trials), so its fold is kept per (storage, study, name); each call folds
    only the trials from the first unfinished one on. The trials are always read from storage.
    """

    def __init__(self) -> None:
        self._folds: dict[tuple[int, int, str], tuple[int, Any]] = {}
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_FinishedPrefixFold, ())  # a fresh, empty fold: it is only a cache

    def __call__(
        self,
        study: Study,
        name: str,
        init: Callable[[], _Acc],
        step: Callable[[_Acc, FrozenTrial], _Acc],
    ) -> _Acc:
        trials = study._get_trials(deepcopy=False)
        key = (*study_key(study), name)
        with self._lock:
            prefix, acc = self._folds.get(key, (0, None))
        if acc is None or prefix > len(trials):
            prefix, acc = 0, init()
        acc = copy.copy(acc)
        in_prefix = True
        for trial in trials[prefix:]:
            if in_prefix and not trial.state.is_finished():
                in_prefix = False
                with self._lock:
                    self._folds[key] = (prefix, copy.copy(acc))
            acc = step(acc, trial)
            prefix += 1
        if in_prefix:
            with self._lock:
                self._folds[key] = (prefix, copy.copy(acc))
        return acc

    def unsettled(self, study: Study, name: str) -> list[FrozenTrial]:
        """The trials from the first one not known to be finished (per the fold ``name``)."""
        trials = study._get_trials(deepcopy=False)
        with self._lock:
            prefix = self._folds.get((*study_key(study), name), (0, None))[0]
        return trials[prefix:] if prefix <= len(trials) else trials


def _count_generation(key: str) -> Callable[[dict[int, int], FrozenTrial], dict[int, int]]:
    def step(counts: dict[int, int], trial: FrozenTrial) -> dict[int, int]:
        if trial.state is TrialState.COMPLETE:
            generation = trial.system_attrs.get(key)
            if generation is not None:
                counts[generation] = counts.get(generation, 0) + 1
        return counts

    return step


class _GACache:
    """Per-sampler caches of storage-derived data; pickles as a fresh, empty cache."""

    def __init__(self) -> None:
        # (id(storage), study id, generation) -> parent trials; a shortcut for the trial ids the
        # study system attribute holds, checked against that attribute on every use.
        self.parents: dict[tuple[int, int, int], list[FrozenTrial]] = {}
        self.lock = threading.Lock()
        self.fold = _FinishedPrefixFold()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_GACache, ())


class BaseGASampler(BaseSampler, abc.ABC):
    """Base class of genetic-algorithm samplers.

    Trials are grouped into generations of ``population_size`` completed trials. A subclass
    implements :meth:`select_parent`, which picks the parents of a generation; the base class
    records generations and parents in storage and reads them back.

    Args:
        population_size: Number of completed trials per generation.
    """

    _GENERATION_KEY = "BaseGASampler:generation"
    _PARENT_CACHE_KEY_PREFIX = "BaseGASampler:parent:"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._GENERATION_KEY = f"{cls.__name__}:generation"
        cls._PARENT_CACHE_KEY_PREFIX = f"{cls.__name__}:parent:"

    @classmethod
    def _get_generation_key(cls) -> str:
        return cls._GENERATION_KEY

    @classmethod
    def _get_parent_cache_key_prefix(cls) -> str:
        return cls._PARENT_CACHE_KEY_PREFIX

    def __init__(self, population_size: int | None) -> None:
        self._population_size = population_size

    def _ga_cache(self) -> _GACache:
        # Created on demand so subclasses that skip ``super().__init__`` still work.
        cache = self.__dict__.get("_ga_cache_obj")
        if cache is None:
            cache = self.__dict__.setdefault("_ga_cache_obj", _GACache())
        return cache

    @property
    def population_size(self) -> int | None:
        """Number of completed trials per generation."""
        return self._population_size

    @population_size.setter
    def population_size(self, value: int) -> None:
        self._population_size = value

    @abc.abstractmethod
    def select_parent(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Choose the parents of ``generation`` (called once per generation; the result is
        recorded in the study's system attributes).

        Args:
            study: The study.
            generation: The generation whose parents to choose (``>= 1``).

        Returns:
            The parent trials.
        """

    def get_trial_generation(self, study: Study, trial: FrozenTrial) -> int:
        """Return the generation of ``trial``, assigning (and storing) it on first call.

        A new trial joins the latest generation until that generation has ``population_size``
        completed trials; then it starts the next one.

        Args:
            study: The study the trial belongs to.
            trial: The trial.

        Returns:
            The generation number (``0`` for the first one).
        """
        key = self._get_generation_key()
        generation = trial.system_attrs.get(key)
        if generation is not None:
            return generation
        counts = self._ga_cache().fold(study, "generation counts", dict, _count_generation(key))
        latest = max(counts, default=0)
        count = counts.get(latest, 0)
        assert self._population_size is not None, "population_size must be set."
        generation = latest if count < self._population_size else latest + 1
        study._storage.set_trial_system_attr(trial._trial_id, key, generation)
        trial.system_attrs[key] = generation
        return generation

    def get_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Return the completed trials of ``generation``.

        Args:
            study: The study.
            generation: The generation number.
        """
        key = self._get_generation_key()
        return [
            t
            for t in study._get_trials(deepcopy=False, states=_COMPLETE)
            if t.system_attrs.get(key) == generation
        ]

    def get_parent_population(self, study: Study, generation: int) -> list[FrozenTrial]:
        """Return the parents of ``generation``, choosing and recording them on first call.

        Args:
            study: The study.
            generation: The generation number.

        Returns:
            The parent trials; empty for generation ``0``.
        """
        if generation == 0:
            return []
        attr_key = self._get_parent_cache_key_prefix() + str(generation)
        cache_key = (*study_key(study), generation)
        stored_ids = study._storage.get_study_system_attrs(study._study_id).get(attr_key)
        cache = self._ga_cache()
        with cache.lock:
            cached = cache.parents.get(cache_key)
        if stored_ids is not None:
            if cached is not None and [t._trial_id for t in cached] == list(stored_ids):
                return list(cached)
            by_id = {t._trial_id: t for t in study._get_trials(deepcopy=False)}
            parents = [by_id[i] for i in stored_ids if i in by_id]
        else:
            parents = self.select_parent(study, generation)
            study._storage.set_study_system_attr(
                study._study_id, attr_key, [t._trial_id for t in parents]
            )
        self._remember_parents(cache_key, parents)
        return list(parents)

    def _remember_parents(self, key: tuple[int, int, int], parents: list[FrozenTrial]) -> None:
        cache = self._ga_cache()
        with cache.lock:
            stale = [k for k in cache.parents if k[:2] == key[:2] and k[2] < key[2] - 1]
            for k in stale:
                del cache.parents[k]
            cache.parents[key] = list(parents)
