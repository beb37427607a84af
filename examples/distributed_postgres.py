"""Many workers, one study: distributed optimization through a shared PostgreSQL URL.

Start N local workers (each a separate process) on one study::

    python examples/distributed_postgres.py --storage postgresql://user:pw@db-host/hpo --workers 4

On other machines, start more workers on the same study; they share trials through the
database and never duplicate a trial number::

    python examples/distributed_postgres.py --storage postgresql://user:pw@db-host/hpo --worker

Each worker beats a heartbeat while it runs a trial. If a worker dies (killed, machine lost),
another worker fails its trial after the grace period and re-enqueues it once.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
import warnings

import hpo

DEFAULT_URL = os.environ.get("HPO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")


def objective(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -5, 5)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    time.sleep(0.01)  # stands in for training a model
    return (x - 2) ** 2 + (y + 1) ** 2 + (kind == "b")


def storage_for(url: str) -> hpo.storages.RDBStorage:
    """The shared storage, with heartbeats so a dead worker's trial is retried once."""
    warnings.filterwarnings("ignore", category=hpo.exceptions.ExperimentalWarning)
    return hpo.storages.RDBStorage(
        url,
        heartbeat_interval=10,
        grace_period=30,
        heartbeat_stale_trial_callback=hpo.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
    )


def work(url: str, study_name: str, n_trials: int) -> None:
    """One worker: join the study (creating it if this is the first worker) and optimize."""
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    study = hpo.create_study(storage=storage_for(url), study_name=study_name, load_if_exists=True)
    study.optimize(objective, n_trials=n_trials)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default=DEFAULT_URL, help="Database URL shared by workers.")
    parser.add_argument("--study-name", default="distributed-example")
    parser.add_argument("--workers", type=int, default=4, help="Local worker processes.")
    parser.add_argument("--trials", type=int, default=25, help="Trials per worker.")
    parser.add_argument("--worker", action="store_true", help="Run one worker in this process.")
    args = parser.parse_args()

    if args.worker:
        work(args.storage, args.study_name, args.trials)
        return

    start = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")
    workers = [
        ctx.Process(target=work, args=(args.storage, args.study_name, args.trials))
        for _ in range(args.workers)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start

    study = hpo.load_study(study_name=args.study_name, storage=args.storage)
    trials = study.get_trials(deepcopy=False)
    numbers = sorted(t.number for t in trials)
    print(f"{len(trials)} trials from {args.workers} workers in {elapsed:.1f} s")
    print(f"trial numbers dense and unique: {numbers == list(range(len(numbers)))}")
    print(f"best value {study.best_value:.4f} with {study.best_params}")


if __name__ == "__main__":
    main()
