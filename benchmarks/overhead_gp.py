"""GPSampler rows of the overhead benchmark, and a GP-only comparison with Optuna's GPSampler.

``benchmarks/overhead.py`` picks up ``CASES``. Run this file directly for the GP-only table::

    python benchmarks/overhead_gp.py                 # all GP cases, hpo and Optuna
    python benchmarks/overhead_gp.py --only hartmann

Optuna's GPSampler needs torch (``pip install torch``; ``greenlet`` speeds up its batched
L-BFGS-B). hpo's needs only numpy and scipy. Every run happens in a fresh subprocess; besides
wall-clock ms/trial the table shows the CPU seconds of the whole run, which is steadier than wall
time on a busy machine.

Target (issue #8): at 200 trials, hpo's GP ms/trial <= 1/5 of Optuna's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from _harness import Case, format_table, library_available, ratio, run_case  # noqa: E402


def _gp(lib: ModuleType) -> Any:
    return lib.samplers.GPSampler(seed=0)


def hartmann6(trial: Any) -> float:
    """Hartmann-6 on [0, 1]^6 (six continuous parameters)."""
    a = [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
    p = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ]
    alpha = [1.0, 1.2, 3.0, 3.2]
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]
    return -sum(
        alpha[k] * math.exp(-sum(a[k][j] * (x[j] - p[k][j]) ** 2 for j in range(6)))
        for k in range(4)
    )


def mixed_four(trial: Any) -> float:
    """Float, log-float, int and categorical parameters."""
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    n = trial.suggest_int("n", 1, 32)
    kind = trial.suggest_categorical("kind", ["a", "b", "c"])
    return x**2 + (math.log10(lr) + 2) ** 2 + (n - 9) ** 2 / 20 + (kind != "b")


def two_objectives(trial: Any) -> tuple[float, float]:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    return x**2 + y**2, (x - 1) ** 2 + (y - 1) ** 2


CASES: list[Case] = [
    Case("gp 200 trials", 200, make_sampler=_gp),
    Case("gp hartmann6 200 trials", 200, make_sampler=_gp, objective=hartmann6),
    Case("gp mixed-4 100 trials", 100, make_sampler=_gp, objective=mixed_four),
    Case(
        "gp 2-objective 100 trials",
        100,
        make_sampler=_gp,
        objective=two_objectives,
        directions=["minimize", "minimize"],
    ),
]


def _run_in_subprocess(case_name: str, library: str) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), "--run-one", case_name, library]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_one(case: Case, library: str) -> dict[str, Any]:
    import warnings

    start = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_case(case, library)
    result["cpu_s"] = time.process_time() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="GPSampler overhead: hpo vs Optuna.")
    parser.add_argument("--only", default=None, help="Run only cases whose name contains this.")
    parser.add_argument("--no-optuna", action="store_true", help="Skip the Optuna runs.")
    parser.add_argument("--run-one", nargs=2, metavar=("CASE", "LIB"), help="internal")
    args = parser.parse_args()
    by_name = {case.name: case for case in CASES}
    if args.run_one:
        print(json.dumps(_run_one(by_name[args.run_one[0]], args.run_one[1])))
        return
    with_optuna = not args.no_optuna and library_available("optuna")
    if with_optuna and not library_available("torch"):
        print("torch is not installed: Optuna's GPSampler cannot run", file=sys.stderr)
        with_optuna = False
    rows = []
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        ours = _run_in_subprocess(case.name, "hpo")
        theirs = _run_in_subprocess(case.name, "optuna") if with_optuna else None

        def get(r: dict[str, Any] | None, k: str) -> Any:
            return None if r is None else r[k]

        rows.append(
            [
                case.name,
                get(ours, "ms_per_trial"),
                get(theirs, "ms_per_trial") or "-",
                ratio(get(ours, "ms_per_trial"), get(theirs, "ms_per_trial")),
                get(ours, "last10_ms"),
                get(theirs, "last10_ms") or "-",
                ratio(get(ours, "last10_ms"), get(theirs, "last10_ms")),
                get(ours, "cpu_s"),
                get(theirs, "cpu_s") or "-",
                ratio(get(ours, "cpu_s"), get(theirs, "cpu_s")),
            ]
        )
        print(f"done: {case.name}", file=sys.stderr, flush=True)
    headers = [
        "case",
        "hpo ms/trial",
        "optuna ms/trial",
        "hpo/optuna",
        "hpo last10% ms",
        "optuna last10% ms",
        "last10% ratio",
        "hpo cpu s",
        "optuna cpu s",
        "cpu ratio",
    ]
    print(format_table(headers, rows))


if __name__ == "__main__":
    main()
