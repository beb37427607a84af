"""The per-trial read cache behind ``Study._get_trials(use_cache=True)``."""

from __future__ import annotations

import threading

import hpo
from hpo.distributions import FloatDistribution
from hpo.trial import TrialState, create_trial


class _CountingStorage(hpo.storages.InMemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_all_trials(self, study_id, deepcopy=True, states=None):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().get_all_trials(study_id, deepcopy=deepcopy, states=states)


def _study() -> tuple[hpo.Study, _CountingStorage]:
    storage = _CountingStorage()
    return hpo.create_study(storage=storage, sampler=hpo.samplers.RandomSampler(seed=0)), storage


def test_cached_reads_share_one_storage_read_until_the_next_ask() -> None:
    study, storage = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    study.ask()
    before = storage.reads
    first = study._get_trials(deepcopy=False, use_cache=True)
    again = study._get_trials(deepcopy=False, use_cache=True)
    assert storage.reads == before + 1
    assert again is first and len(first) == 4
    complete = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
    assert [t.number for t in complete] == [0, 1, 2] and storage.reads == before + 1
    study.ask()  # a new trial: a new read
    before = storage.reads
    assert len(study._get_trials(deepcopy=False, use_cache=True)) == 5
    assert storage.reads == before + 1


def test_tell_and_add_trial_drop_the_cache() -> None:
    study, _ = _study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    cached = study._get_trials(deepcopy=False, use_cache=True)
    study.tell(trial, 1.0)
    fresh = study._get_trials(deepcopy=False, use_cache=True)
    assert fresh is not cached and fresh[0].state is TrialState.COMPLETE
    study.add_trial(
        create_trial(params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)}, value=0.0)
    )
    assert len(study._get_trials(deepcopy=False, use_cache=True)) == 2


def test_without_use_cache_every_call_reads_storage() -> None:
    study, storage = _study()
    study.ask()
    before = storage.reads
    study._get_trials(deepcopy=False)
    study.get_trials(deepcopy=False)
    assert storage.reads == before + 2


def test_deepcopy_returns_copies_of_cached_trials() -> None:
    study, _ = _study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    study.ask()
    shared = study._get_trials(deepcopy=False, use_cache=True)
    copies = study._get_trials(deepcopy=True, use_cache=True)
    assert [t.number for t in copies] == [t.number for t in shared]
    assert all(c is not s for c, s in zip(copies, shared))


def test_each_thread_has_its_own_cache() -> None:
    study, _ = _study()
    study.ask()
    mine = study._get_trials(deepcopy=False, use_cache=True)
    seen: list[int] = []

    def other() -> None:
        study.ask()  # clears only this thread's cache
        seen.append(len(study._get_trials(deepcopy=False, use_cache=True)))

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert seen == [2]
    assert study._get_trials(deepcopy=False, use_cache=True) is mine and len(mine) == 1


def test_pickled_study_starts_without_a_cache() -> None:
    import pickle

    study, _ = _study()
    study.ask()
    study._get_trials(deepcopy=False, use_cache=True)
    copy = pickle.loads(pickle.dumps(study))
    assert getattr(copy._thread_local, "all_trials", None) is None
