"""Journal storages and RedisStorage: per-trial overhead, 4-process throughput, open time.

``benchmarks/overhead.py`` picks up ``CASES`` (per-trial rows). Run this file directly for all
three tables::

    python benchmarks/overhead_journal.py                # everything
    python benchmarks/overhead_journal.py --skip-cases   # only throughput and open time
    python benchmarks/overhead_journal.py --open-trials 30000 --workers 4 --worker-trials 100

Targets (issue #5): journal-file ms/trial <= 1/2 of Optuna's; 4-process journal-file throughput
>= 2x Optuna's; opening a 30,000-trial journal <= 1/5 of Optuna's time; RedisStorage at least as
fast as journal-Redis. Optuna has no JournalRDBBackend and no RedisStorage: those rows compare
with Optuna's RDBStorage on the same database and with Optuna's journal-Redis.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchmarks._harness import Case, format_table, library_available, ratio  # noqa: E402

REDIS_URL = os.environ.get("HPO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("HPO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")


def _quiet() -> None:
    import warnings

    warnings.simplefilter("ignore")


def _delete_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])


class _Backend:
    """Builds the same kind of storage in hpo or Optuna, and removes it afterwards."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.token = "hpo_bench_" + uuid.uuid4().hex[:10]
        self.directory = ""

    def make(self, lib: ModuleType) -> Any:
        _quiet()
        if not self.directory:
            self.directory = tempfile.mkdtemp(prefix="hpo-bench-")
        s = lib.storages
        if self.kind == "journal-file":
            path = os.path.join(self.directory, "journal.log")
            return s.JournalStorage(s.journal.JournalFileBackend(path))
        if self.kind == "journal-redis":
            return s.JournalStorage(s.journal.JournalRedisBackend(REDIS_URL, prefix=self.token))
        if self.kind == "journal-sqlite":
            url = f"sqlite:///{self.directory}/journal.db"
        elif self.kind == "journal-postgres":
            url = self._postgres_database()
        elif self.kind == "redis":
            if lib.__name__ == "hpo":
                return s.RedisStorage(REDIS_URL, prefix=self.token)
            return s.JournalStorage(s.journal.JournalRedisBackend(REDIS_URL, prefix=self.token))
        else:
            raise ValueError(self.kind)
        if lib.__name__ == "hpo":
            return s.JournalStorage(s.journal.JournalRDBBackend(url))
        return url  # Optuna has no RDB journal: its RDBStorage on the same database

    def cleanup(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        if self.kind in ("journal-redis", "redis"):
            _delete_redis_prefix(self.token)
        if self.kind == "journal-postgres":
            with self._admin() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.token} WITH (FORCE)")

    def _admin(self) -> Any:
        import sqlalchemy as sa

        from hpo.storages.journal._rdb import _normalize_url

        engine = sa.create_engine(
            _normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        return engine.connect()

    def _postgres_database(self) -> str:
        """A database of its own (created on first use), so Optuna's tables go there too."""
        from hpo.storages.journal._rdb import _normalize_url

        with self._admin() as conn:
            exists = conn.exec_driver_sql(
                f"SELECT 1 FROM pg_database WHERE datname = '{self.token}'"
            ).first()
            if not exists:
                conn.exec_driver_sql(f"CREATE DATABASE {self.token}")
        url = _normalize_url(POSTGRES_URL).set(database=self.token)
        return url.render_as_string(hide_password=False)


KINDS = ["journal-file", "journal-redis", "journal-sqlite", "journal-postgres", "redis"]


def _case(kind: str, sampler: str, n_trials: int) -> Case:
    backend = _Backend(kind)

    def make_sampler(lib: ModuleType) -> Any:
        if sampler == "tpe":
            return lib.samplers.TPESampler(seed=0)
        return lib.samplers.RandomSampler(seed=0)

    return Case(
        name=f"{kind}/{sampler}/{n_trials}",
        n_trials=n_trials,
        make_storage=backend.make,
        make_sampler=make_sampler,
        cleanup=backend.cleanup,
    )


CASES: list[Case] = [_case(kind, sampler, 300) for kind in KINDS for sampler in ("random", "tpe")]


# --- 4-process throughput ---------------------------------------------------------------------


def _throughput_worker(
    library: str, kind: str, token: str, directory: str, n: int, q: Any
) -> None:
    import importlib

    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    backend = _Backend(kind)
    backend.token, backend.directory = token, directory
    study = lib.load_study(study_name="throughput", storage=backend.make(lib))
    study.sampler = lib.samplers.RandomSampler()
    q.put("ready")
    q.put(("start", time.time()))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=n)
    q.put(("end", time.time()))


def throughput(library: str, kind: str, workers: int, n: int) -> float:
    """Trials per second of ``workers`` processes sharing one study."""
    import importlib

    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    backend = _Backend(kind)
    try:
        lib.create_study(study_name="throughput", storage=backend.make(lib))
        context = multiprocessing.get_context("spawn")
        q = context.Queue()
        args = (library, kind, backend.token, backend.directory, n, q)
        procs = [context.Process(target=_throughput_worker, args=args) for _ in range(workers)]
        for p in procs:
            p.start()
        events = [q.get(timeout=600) for _ in range(3 * workers)]
        for p in procs:
            p.join()
        starts = [e[1] for e in events if isinstance(e, tuple) and e[0] == "start"]
        ends = [e[1] for e in events if isinstance(e, tuple) and e[0] == "end"]
        return workers * n / (max(ends) - min(starts))
    finally:
        backend.cleanup()


# --- open time --------------------------------------------------------------------------------


def write_finished_journal(path: str, n_trials: int) -> None:
    """A journal of one study with ``n_trials`` COMPLETE trials (2 params), as optimize writes."""
    worker = str(uuid.uuid4()) + "-1"
    x_dist = json.dumps(
        {
            "name": "FloatDistribution",
            "attributes": {"step": None, "low": -10.0, "high": 10.0, "log": False},
        }
    )
    y_dist = json.dumps(
        {
            "name": "IntDistribution",
            "attributes": {"log": False, "step": 1, "low": -10, "high": 10},
        }
    )
    dumps = json.dumps
    with open(path, "w") as f:
        f.write(
            dumps({"op_code": 0, "worker_id": worker, "study_name": "big", "directions": [1]})
            + "\n"
        )
        for i in range(n_trials):
            t = f"2026-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000000:06d}+00:00"
            ops = [
                {"op_code": 4, "worker_id": worker, "study_id": 0, "datetime_start": t},
                {
                    "op_code": 5,
                    "worker_id": worker,
                    "trial_id": i,
                    "param_name": "x",
                    "param_value_internal": (i % 200) / 10 - 10,
                    "distribution": x_dist,
                },
                {
                    "op_code": 5,
                    "worker_id": worker,
                    "trial_id": i,
                    "param_name": "y",
                    "param_value_internal": float(i % 21 - 10),
                    "distribution": y_dist,
                },
                {
                    "op_code": 6,
                    "worker_id": worker,
                    "trial_id": i,
                    "state": 1,
                    "values": [float(i % 97)],
                    "datetime_complete": t,
                },
            ]
            f.write("".join(dumps(op, separators=(",", ":")) + "\n" for op in ops))


_OPEN_CODE = """
import sys, time, warnings
warnings.simplefilter("ignore")
t = time.perf_counter()
import {lib} as lib
lib.logging.set_verbosity(lib.logging.WARNING)
storage = lib.storages.JournalStorage(lib.storages.journal.JournalFileBackend({path!r}){extra})
study = lib.load_study(study_name="big", storage=storage)
n = len(study.get_trials(deepcopy=False))
print(time.perf_counter() - t, n)
"""


def open_time(library: str, path: str, extra: str = "") -> float:
    code = _OPEN_CODE.format(lib=library, path=path, extra=extra)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def open_table(n_trials: int) -> None:
    directory = tempfile.mkdtemp(prefix="hpo-open-")
    try:
        path = os.path.join(directory, "big.log")
        write_finished_journal(path, n_trials)
        optuna_s = open_time("optuna", path) if library_available("optuna") else None
        no_snapshot = open_time("hpo", path, ", snapshot_interval=10**12")
        first = open_time("hpo", path)  # replays everything and saves a snapshot
        with_snapshot = open_time("hpo", path)
        rows = [
            ["hpo, no snapshot", no_snapshot, optuna_s or "-", ratio(no_snapshot, optuna_s)],
            ["hpo, first open (saves snapshot)", first, optuna_s or "-", ratio(first, optuna_s)],
            ["hpo, from snapshot", with_snapshot, optuna_s or "-", ratio(with_snapshot, optuna_s)],
        ]
        print(f"Open a journal file of {n_trials} COMPLETE trials (s, includes interpreter start)")
        print(format_table(["case", "hpo s", "optuna s", "hpo/optuna"], rows))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cases", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--only", default=None, help="Only rows whose backend contains this.")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-trials", type=int, default=100)
    parser.add_argument("--open-trials", type=int, default=30000)
    args = parser.parse_args()
    with_optuna = library_available("optuna")

    if not args.skip_cases:
        from benchmarks.overhead import _run_in_subprocess

        rows = []
        for case in CASES:
            if args.only and args.only not in case.name:
                continue
            h = _run_in_subprocess(
                __name__ if __name__ != "__main__" else "benchmarks.overhead_journal",
                case.name,
                "hpo",
            )
            o = (
                _run_in_subprocess("benchmarks.overhead_journal", case.name, "optuna")
                if with_optuna
                else None
            )
            rows.append(
                [
                    case.name,
                    h and h["ms_per_trial"],
                    o and o["ms_per_trial"],
                    ratio(h and h["ms_per_trial"], o and o["ms_per_trial"]),
                ]
            )
            print(f"  done: {case.name}", file=sys.stderr)
        print("Per-trial time (ms); Optuna: same backend, RDBStorage for journal-sqlite/postgres,")
        print("journal-Redis for redis (Optuna 5 has no RedisStorage)")
        print(format_table(["case", "hpo ms/trial", "optuna ms/trial", "hpo/optuna"], rows))
        print()

    rows = []
    for kind in [] if args.skip_throughput else KINDS:
        if args.only and args.only not in kind:
            continue
        h = throughput("hpo", kind, args.workers, args.worker_trials)
        o = throughput("optuna", kind, args.workers, args.worker_trials) if with_optuna else None
        rows.append([kind, h, o or "-", ratio(h, o)])
        print(f"  done: throughput {kind}", file=sys.stderr)
    if rows:
        print(f"Throughput of {args.workers} processes x {args.worker_trials} trials (trials/s)")
        print(format_table(["backend", "hpo trials/s", "optuna trials/s", "hpo/optuna"], rows))
        print()
    if not args.skip_open:
        open_table(args.open_trials)


if __name__ == "__main__":
    main()
