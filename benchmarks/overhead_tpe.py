"""TPE rows of the overhead benchmark, plus its growth and 3-objective measurements.

``benchmarks/overhead.py`` picks up ``CASES``. Run this file directly for the TPE-only table::

    python benchmarks/overhead_tpe.py            # all TPE cases, hpo and Optuna
    python benchmarks/overhead_tpe.py --only 1000

Targets (issue #6): 1,000 trials <= 1/3 of Optuna's ms/trial, 5,000 trials <= 1/5, growth of the
per-trial time from the first to the last 10 % of the 1,000-trial run <= 1.5x, and a 3-objective
500-trial study <= 1/2 of Optuna's time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from _harness import Case, format_table, library_available, ratio, run_case  # noqa: E402


def _tpe(lib: ModuleType) -> Any:
    return lib.samplers.TPESampler(seed=0)


def _tpe_independent(lib: ModuleType) -> Any:
    return lib.samplers.TPESampler(seed=0, multivariate=False)


def three_objectives(trial: Any) -> tuple[float, float, float]:
    """A cheap 3-objective problem on two float parameters and one int."""
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    z = trial.suggest_int("z", 0, 10)
    return x + z / 10, (1 - x) + y, (1 - y) * (1 + z / 10)


def mixed_five(trial: Any) -> float:
    """Five parameters of every kind: float, log float, stepped float, int and categorical."""
    a = trial.suggest_float("a", -5.0, 5.0)
    b = trial.suggest_float("b", 1e-4, 1.0, log=True)
    c = trial.suggest_float("c", 0.0, 1.0, step=0.05)
    d = trial.suggest_int("d", 1, 64, log=True)
    e = trial.suggest_categorical("e", ["p", "q", "r"])
    return a**2 + (b - 0.01) ** 2 + c + abs(d - 8) + (0.0 if e == "q" else 1.0)


CASES: list[Case] = [
    Case("tpe 1000 trials", 1000, make_sampler=_tpe),
    Case("tpe 5000 trials", 5000, make_sampler=_tpe),
    Case("tpe independent 1000 trials", 1000, make_sampler=_tpe_independent),
    Case("tpe mixed-5 1000 trials", 1000, make_sampler=_tpe, objective=mixed_five),
    Case(
        "tpe 3-objective 500 trials",
        500,
        make_sampler=_tpe,
        objective=three_objectives,
        directions=["minimize", "minimize", "minimize"],
    ),
]


def _run_in_subprocess(case_name: str, library: str) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), "--run-one", case_name, library]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="TPE overhead: hpo vs Optuna.")
    parser.add_argument("--only", default=None, help="Run only cases whose name contains this.")
    parser.add_argument("--no-optuna", action="store_true", help="Skip the Optuna runs.")
    parser.add_argument("--run-one", nargs=2, metavar=("CASE", "LIB"), help="internal")
    args = parser.parse_args()
    by_name = {case.name: case for case in CASES}
    if args.run_one:
        print(json.dumps(run_case(by_name[args.run_one[0]], args.run_one[1])))
        return
    with_optuna = not args.no_optuna and library_available("optuna")
    rows = []
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        ours = _run_in_subprocess(case.name, "hpo")
        theirs = _run_in_subprocess(case.name, "optuna") if with_optuna else None
        get = lambda r, k: None if r is None else r[k]
        rows.append(
            [
                case.name,
                get(ours, "ms_per_trial"),
                get(theirs, "ms_per_trial") or "-",
                ratio(get(ours, "ms_per_trial"), get(theirs, "ms_per_trial")),
                get(ours, "first10_ms"),
                get(ours, "last10_ms"),
                get(ours, "growth"),
                get(theirs, "growth") or "-",
            ]
        )
        print(f"done: {case.name}", file=sys.stderr, flush=True)
    headers = [
        "case",
        "hpo ms/trial",
        "optuna ms/trial",
        "hpo/optuna",
        "hpo first10% ms",
        "hpo last10% ms",
        "hpo growth",
        "optuna growth",
    ]
    print(format_table(headers, rows))


if __name__ == "__main__":
    main()
