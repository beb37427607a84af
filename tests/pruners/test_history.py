"""The per-study cache behind the pruners: fresh results, isolation, and few storage reads."""

from __future__ import annotations

import threading
from collections.abc import Container
from typing import Any

import hpo
from hpo.pruners import MedianPruner
from hpo.trial import TrialState, create_trial
from tests.pruners.helpers import running, study_with


class CountingStorage(hpo.storages.InMemoryStorage):
    """An in-memory storage that counts full trial reads."""

    def __init__(self) -> None:
        super().__init__()
        self.full_reads = 0

    def get_all_trials(
        self, study_id: int, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[Any]:
        self.full_reads += 1
        return super().get_all_trials(study_id, deepcopy, states)


def test_trials_are_read_only_when_another_trial_completed() -> None:
    storage = CountingStorage()
    history = [{s: float(i + s) for s in range(100)} for i in range(50)]
    study = study_with(history, MedianPruner(), storage=storage)
    trial = running(study, {0: 1.0})
    assert trial.should_prune() is False  # first call reads the completed trials
    reads = storage.full_reads
    for step in range(1, 100):
        trial.report(1.0, step)
        trial.should_prune()
    assert storage.full_reads == reads  # 99 calls, no full read
    study.add_trial(create_trial(value=0.0, intermediate_values={0: 1.0}))
    trial.should_prune()
    assert storage.full_reads == reads + 1


def test_completions_written_directly_to_storage_are_seen() -> None:
    # The cache is not the source of truth: a trial another worker completes through the
    # storage (not through this Study object) changes the next decision.
    storage = hpo.storages.InMemoryStorage()
    study = study_with([{0: 1.0}, {0: 3.0}], MedianPruner(n_startup_trials=0), storage=storage)
    trial = running(study, {0: 2.5})
    assert trial.should_prune() is True  # median 2.0
    for _ in range(2):
        tid = storage.create_new_trial(study._study_id)
        storage.set_trial_intermediate_value(tid, 0, 10.0)
        storage.set_trial_state_values(tid, TrialState.COMPLETE, [0.0])
    assert trial.should_prune() is False  # median of 1, 3, 10, 10 is 6.5


def test_studies_and_storages_do_not_share_cache_entries() -> None:
    shared = hpo.storages.InMemoryStorage()
    low = study_with([{0: 0.0}], MedianPruner(n_startup_trials=0), storage=shared)
    high = study_with([{0: 10.0}], MedianPruner(n_startup_trials=0), storage=shared)
    assert (running(low, {0: 5.0}).should_prune(), running(high, {0: 5.0}).should_prune()) == (
        True,
        False,
    )
    # Same study id (0) in two storages.
    a = study_with([{0: 0.0}], MedianPruner(n_startup_trials=0))
    b = study_with([{0: 10.0}], MedianPruner(n_startup_trials=0))
    assert a._study_id == b._study_id
    assert (running(a, {0: 5.0}).should_prune(), running(b, {0: 5.0}).should_prune()) == (
        True,
        False,
    )


def test_concurrent_calls_agree_with_sequential_ones() -> None:
    history = [{s: float((7 * i + 3 * s) % 11) for s in range(20)} for i in range(30)]
    study = study_with(history, MedianPruner(n_startup_trials=0))
    trials = [running(study, {s: float(j) for s in range(20)}) for j in range(12)]
    expected = [t.should_prune() for t in trials]
    assert True in expected and False in expected
    # Fresh study object on the same storage, many threads racing on the cold cache.
    fresh = hpo.load_study(
        study_name=study.study_name,
        storage=study._storage,
        pruner=MedianPruner(n_startup_trials=0),
    )
    from hpo.pruners import _history

    _history._registry.pop(study._storage, None)
    results: dict[int, list[bool]] = {}

    def work(k: int) -> None:
        results[k] = [
            fresh.pruner.prune(fresh, study._storage.get_trial(t._trial_id)) for t in trials
        ]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r == expected for r in results.values())


def test_linear_percentile_is_bitwise_numpy_nanpercentile() -> None:
    import math
    import warnings

    import numpy as np

    from hpo.pruners._history import linear_percentile

    rng = np.random.default_rng(0)
    for i in range(3000):
        n = int(rng.integers(1, 30))
        values = [rng.random(n), rng.integers(-3, 3, n).astype(float), rng.normal(0, 1e6, n)][
            i % 3
        ]
        if i % 5 == 0:
            values[rng.random(n) < 0.2] = np.inf
            values[rng.random(n) < 0.2] = -np.inf
            values[rng.random(n) < 0.2] = np.nan
        q = float(rng.choice([0.0, 25.0, 50.0, 75.0, 100.0, rng.random() * 100]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = float(np.nanpercentile(values, q))
        finite = sorted(float(v) for v in values if not math.isnan(v))
        got = linear_percentile(finite, q) if finite else math.nan
        assert got == expected or (math.isnan(got) and math.isnan(expected)), (values, q)


def test_cache_does_not_keep_storages_alive() -> None:
    import gc
    import weakref

    storage = hpo.storages.InMemoryStorage()
    study = study_with([{0: 1.0}], MedianPruner(n_startup_trials=0), storage=storage)
    assert running(study, {0: 2.0}).should_prune() is True
    ref = weakref.ref(storage)
    del storage, study
    gc.collect()
    assert ref() is None


def test_kth_smallest_of_two_sorted_lists() -> None:
    import random

    from hpo.pruners._history import _kth_smallest

    rng = random.Random(0)
    for _ in range(2000):

        def draw() -> float:
            return rng.random() if rng.random() < 0.5 else float(rng.randint(0, 3))

        large = sorted(draw() for _ in range(rng.randint(0, 12)))
        small = sorted(draw() for _ in range(rng.randint(1, 4)))
        k = rng.randrange(len(large) + len(small))
        assert _kth_smallest(large, small, k) == sorted(large + small)[k]
