"""RDBStorage: per-trial overhead, statements and commits per trial, and multi-process throughput.

``benchmarks/overhead.py`` picks up ``CASES`` (per-trial rows). Run this file directly for the
RDB tables, hpo and Optuna side by side in the same run::

    python benchmarks/overhead_rdb.py                          # per-trial table + throughput
    python benchmarks/overhead_rdb.py --trials 300 --backends sqlite,postgresql
    python benchmarks/overhead_rdb.py --skip-cases --processes 1,2,4,8 --worker-trials 50

Targets (issue #4): PostgreSQL Random ms/trial <= 1/5 of Optuna's, SQLite <= 1/4; 4-process
PostgreSQL throughput >= 5x Optuna's. Both libraries get the same SQLAlchemy URL (psycopg 3 for
PostgreSQL, PyMySQL for MySQL) and a fresh study in a database used only by this benchmark.

"commits" counts explicit COMMITs plus writes on autocommit connections (hpo sends single-
statement writes that way; the server commits each one), so both libraries are counted alike.
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

from benchmarks._harness import Case, format_table, library_available, quadratic, ratio  # noqa: E402

POSTGRES_URL = os.environ.get("HPO_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("HPO_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
BENCH_DB = "hpo_bench_rdb"


def _server_url(backend: str) -> str:
    """URL of the benchmark database on a server (created on first use)."""
    import sqlalchemy as sa

    from hpo.storages._rdb._engine import normalize_url

    base = normalize_url(POSTGRES_URL if backend == "postgresql" else MYSQL_URL)
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        if backend == "postgresql":
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": BENCH_DB}
            ).first()
            if found is None:
                conn.exec_driver_sql(f"CREATE DATABASE {BENCH_DB}")
        else:
            conn.exec_driver_sql(f"CREATE DATABASE IF NOT EXISTS {BENCH_DB}")
    engine.dispose()
    return base.set(database=BENCH_DB).render_as_string(hide_password=False)


class _Storage:
    """A URL for one run; SQLite gets a fresh file that ``cleanup`` removes."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.tmp: str | None = None

    def __call__(self, lib: ModuleType) -> str:
        if self.backend == "sqlite":
            self.tmp = tempfile.mkdtemp(prefix="hpo-bench-rdb-")
            return f"sqlite:///{self.tmp}/bench.db"
        return _server_url(self.backend)

    def cleanup(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def _tpe(lib: ModuleType) -> Any:
    return lib.samplers.TPESampler(seed=0)


def _case(backend: str, sampler: str, n_trials: int) -> Case:
    storage = _Storage(backend)
    return Case(
        name=f"rdb/{backend}/{sampler}/{n_trials}",
        n_trials=n_trials,
        make_storage=storage,
        make_sampler=_tpe if sampler == "tpe" else None,
        cleanup=storage.cleanup,
    )


BACKENDS = ("sqlite", "postgresql", "mysql")
CASES = [_case(b, s, 200) for b in BACKENDS for s in ("random", "tpe")]


# --- one run with statement and commit counts ---------------------------------------------------


class _Counter:
    def __init__(self) -> None:
        import sqlalchemy as sa

        self.statements = 0
        self.commits = 0
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.listen(sa.engine.Engine, "commit", self._commit)

    def _statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            return
        self.statements += 1
        autocommit = getattr(conn.dialect, "_on_connect_isolation_level", None) == "AUTOCOMMIT"
        if autocommit and not statement.lstrip().upper().startswith("SELECT"):
            self.commits += 1

    def _commit(self, conn: Any) -> None:
        self.commits += 1


def run_counted(case: Case, library: str) -> dict[str, Any]:
    """Run ``case`` in this process: ms/trial plus statements and commits per trial."""
    import importlib
    import warnings

    warnings.simplefilter("ignore")
    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    counter = _Counter()
    assert case.make_storage is not None
    url = case.make_storage(lib)
    sampler = case.make_sampler(lib) if case.make_sampler else lib.samplers.RandomSampler(seed=0)
    study = lib.create_study(storage=url, sampler=sampler, study_name=f"b-{uuid.uuid4().hex}")
    study.optimize(quadratic, n_trials=5)  # connect, warm caches
    counter.statements = counter.commits = 0
    start = time.perf_counter()
    study.optimize(quadratic, n_trials=case.n_trials)
    elapsed = time.perf_counter() - start
    result = {
        "ms_per_trial": elapsed / case.n_trials * 1e3,
        "statements": counter.statements / case.n_trials,
        "commits": counter.commits / case.n_trials,
    }
    if case.cleanup is not None:
        case.cleanup()
    return result


def _subprocess(args: list[str]) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.dirname(HERE))
    if proc.returncode != 0:
        print(f"  ! {' '.join(args)} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def per_trial_table(cases: list[Case], libraries: list[str]) -> tuple[str, dict[str, Any]]:
    rows, results = [], {}
    for case in cases:
        got = {lib: _subprocess(["--run-one", case.name, lib]) for lib in libraries}
        results[case.name] = got
        h, o = got.get("hpo"), got.get("optuna")
        rows.append(
            [
                case.name,
                h["ms_per_trial"] if h else "-",
                o["ms_per_trial"] if o else "-",
                ratio(h and h["ms_per_trial"], o and o["ms_per_trial"]),
                h["statements"] if h else "-",
                o["statements"] if o else "-",
                h["commits"] if h else "-",
                o["commits"] if o else "-",
            ]
        )
        print(f"  done: {case.name}", file=sys.stderr)
    headers = [
        "case",
        "hpo ms/trial",
        "optuna ms/trial",
        "hpo/optuna",
        "hpo stmts",
        "optuna stmts",
        "hpo commits",
        "optuna commits",
    ]
    return format_table(headers, rows), results


# --- throughput: P processes on one study ------------------------------------------------------


def _worker(library: str, url: str, name: str, n_trials: int, barrier: Any, queue: Any) -> None:
    import importlib
    import warnings

    warnings.simplefilter("ignore")
    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    study = lib.load_study(study_name=name, storage=url, sampler=lib.samplers.RandomSampler())
    study.optimize(quadratic, n_trials=1)  # connect before the clock starts
    barrier.wait()
    start = time.time()
    study.optimize(quadratic, n_trials=n_trials)
    queue.put((start, time.time()))


def throughput(library: str, backend: str, processes: int, worker_trials: int) -> float:
    """Trials per second of ``processes`` workers sharing one study."""
    import importlib

    lib = importlib.import_module(library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    storage = _Storage(backend)
    url = storage(lib)
    name = f"tp-{uuid.uuid4().hex}"
    lib.create_study(storage=url, study_name=name)
    ctx = multiprocessing.get_context("spawn")
    barrier, queue = ctx.Barrier(processes), ctx.Queue()
    args = (library, url, name, worker_trials, barrier, queue)
    procs = [ctx.Process(target=_worker, args=args) for _ in range(processes)]
    for p in procs:
        p.start()
    spans = [queue.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    storage.cleanup()
    wall = max(e for _, e in spans) - min(s for s, _ in spans)
    return processes * worker_trials / wall


def throughput_table(
    backends: list[str], counts: list[int], worker_trials: int, libraries: list[str]
) -> tuple[str, dict[str, Any]]:
    rows, results = [], {}
    for backend in backends:
        for p in counts:
            got = {
                lib: _subprocess(["--throughput-one", lib, backend, str(p), str(worker_trials)])
                for lib in libraries
            }
            h = got.get("hpo") and got["hpo"]["trials_per_s"]
            o = got.get("optuna") and got["optuna"]["trials_per_s"]
            results[f"{backend}/{p}"] = {"hpo": h, "optuna": o}
            rows.append([backend, p, p * worker_trials, h or "-", o or "-", ratio(h, o)])
            print(f"  done: throughput {backend} x{p}", file=sys.stderr)
    headers = ["backend", "processes", "trials", "hpo trials/s", "optuna trials/s", "hpo/optuna"]
    return format_table(headers, rows), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="Trials per per-trial case.")
    parser.add_argument("--backends", default="sqlite,postgresql,mysql")
    parser.add_argument("--samplers", default="random,tpe")
    parser.add_argument("--processes", default="1,2,4,8", help="Throughput process counts.")
    parser.add_argument("--throughput-backends", default="postgresql")
    parser.add_argument("--worker-trials", type=int, default=50)
    parser.add_argument("--skip-cases", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--no-optuna", action="store_true")
    parser.add_argument("--out", default=None, help="Write the results as JSON to this file.")
    parser.add_argument("--run-one", nargs=2, metavar=("CASE", "LIB"), help="internal")
    parser.add_argument("--throughput-one", nargs=4, help="internal")
    args = parser.parse_args()

    if args.run_one:
        name, library = args.run_one
        backend, sampler, n = name.split("/")[1:]
        print(json.dumps(run_counted(_case(backend, sampler, int(n)), library)))
        return
    if args.throughput_one:
        library, backend, p, n = args.throughput_one
        print(json.dumps({"trials_per_s": throughput(library, backend, int(p), int(n))}))
        return

    libraries = ["hpo"] + (
        ["optuna"] if not args.no_optuna and library_available("optuna") else []
    )
    results: dict[str, Any] = {}
    if not args.skip_cases:
        cases = [
            _case(b, s, args.trials)
            for b in args.backends.split(",")
            for s in args.samplers.split(",")
        ]
        table, results["per_trial"] = per_trial_table(cases, libraries)
        print(table + "\n")
    if not args.skip_throughput:
        counts = [int(p) for p in args.processes.split(",")]
        backends = args.throughput_backends.split(",")
        table, results["throughput"] = throughput_table(
            backends, counts, args.worker_trials, libraries
        )
        print(table)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
