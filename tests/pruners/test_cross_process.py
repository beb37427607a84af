"""Two processes sharing one storage (SQLite, journal file) make the same pruning decisions as one process.

Worker processes A and B take turns running chunks of the same trial sequence on one study,
each keeping its own Study, pruner and caches across its turns. Their decisions must equal a
single-process run of the sequence: the state pruners depend on (completed trials, rung values,
the estimated ``min_resource`` / ``max_resource``, Hyperband brackets) lives in the storage.

The first trial completes at step 250 (``min_resource="auto"`` -> 2, ``max_resource="auto"`` ->
251); a later, longer trial (step 800) would change both estimates if a worker re-estimated them.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

import hpo

Script = tuple[dict[int, float], bool]  # reports, whether to ask should_prune

_studies: dict[tuple[str, str], hpo.Study] = {}


def _make_pruner(key: str) -> hpo.pruners.BasePruner:
    return {
        "median": lambda: hpo.pruners.MedianPruner(n_startup_trials=3),
        "successive_halving": lambda: hpo.pruners.SuccessiveHalvingPruner(reduction_factor=3),
        "hyperband": lambda: hpo.pruners.HyperbandPruner(reduction_factor=3),
    }[key]()


def _open(spec: Any) -> Any:
    """A storage from a spec a worker process can receive: a URL or ``journal:<path>``."""
    if isinstance(spec, str) and spec.startswith("journal:"):
        journal = hpo.storages.journal
        return journal.JournalStorage(journal.JournalFileBackend(spec[len("journal:") :]))
    return spec


def run_scripts(storage: Any, study_name: str, key: str, scripts: list[Script]) -> list[Any]:
    """Run ``scripts`` as trials; return each trial's pruned step (``None`` if it completed).

    ``storage`` is a storage object (this process only) or a spec string; with a spec, the
    process keeps its Study (and so its pruner and caches) for later calls.
    """
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    cache_key = (str(storage), study_name)
    study = _studies.get(cache_key) if isinstance(storage, str) else None
    if study is None:
        study = hpo.load_study(
            study_name=study_name, storage=_open(storage), pruner=_make_pruner(key)
        )
        if isinstance(storage, str):
            _studies[cache_key] = study
    outcome: list[Any] = []
    for reports, check in scripts:
        trial = study.ask()
        pruned_at = None
        for step, value in reports.items():
            trial.report(value, step)
            if check and trial.should_prune():
                pruned_at = step
                break
        if pruned_at is None:
            study.tell(trial, reports[max(reports)])
        else:
            study.tell(trial, state=hpo.trial.TrialState.PRUNED)
        outcome.append(pruned_at)
    return outcome


def _scripts() -> list[Script]:
    scripts: list[Script] = [({0: 1.0, 250: 0.5}, False)]
    for i in range(1, 22):
        level = ((i * 7) % 10) / 10
        curve = {s: level + math.exp(-0.3 * s) for s in range(0, 13)}
        scripts.append((curve, True))
        if i == 3:  # first trial of worker B's first turn
            scripts.append(({0: 0.1, 800: 0.0}, False))
    return scripts


@pytest.fixture(scope="module")
def workers() -> Any:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as a, ProcessPoolExecutor(1, mp_context=ctx) as b:
        pids = (a.submit(_pid).result(), b.submit(_pid).result())
        assert pids[0] != pids[1]
        yield a, b


def _pid() -> int:
    import os

    return os.getpid()


@pytest.mark.parametrize("backend", ["sqlite", "journal"])
@pytest.mark.parametrize("key", ["median", "successive_halving", "hyperband"])
def test_two_processes_decide_like_one(
    key: str, backend: str, workers: Any, tmp_path: Any
) -> None:
    if backend == "sqlite":
        pytest.importorskip("sqlalchemy")
        spec = f"sqlite:///{tmp_path / 'shared.db'}"
    else:
        spec = f"journal:{tmp_path / 'shared.log'}"
    scripts = _scripts()
    name = "cross-process"
    reference_storage = hpo.storages.InMemoryStorage()
    hpo.create_study(study_name=name, storage=reference_storage)
    expected = run_scripts(reference_storage, name, key, scripts)
    assert any(step is not None for step in expected)  # the sequence does prune
    assert any(step is None for step in expected[1:])

    hpo.create_study(study_name=name, storage=_open(spec))
    got: list[Any] = []
    for n, start in enumerate(range(0, len(scripts), 4)):
        worker = workers[n % 2]
        got += worker.submit(run_scripts, spec, name, key, scripts[start : start + 4]).result()
    assert got == expected
    study = hpo.load_study(study_name=name, storage=_open(spec))
    attrs = study.system_attrs
    if key == "successive_halving":
        assert attrs["pruners:successive_halving:min_resource"] == 2
    if key == "hyperband":
        assert attrs["pruners:hyperband:max_resource"] == 251
