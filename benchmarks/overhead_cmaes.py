"""CmaEsSampler rows of the overhead benchmark, and a CMA-ES-only comparison with Optuna.

``benchmarks/overhead.py`` picks up ``CASES``. Run this file directly for the CMA-ES-only table::

    python benchmarks/overhead_cmaes.py              # all CMA-ES cases, hpo and Optuna
    python benchmarks/overhead_cmaes.py --only 1000

Every (case, library) run happens in a fresh subprocess. Besides wall-clock ms/trial the table
shows CPU ms/trial, which is steadier than wall time on a busy machine.

Target (issue #8): at 1,000 trials, hpo's CMA-ES ms/trial <= 1/2 of Optuna's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from _harness import Case, format_table, library_available, ratio, run_case  # noqa: E402


def _cma(lib: ModuleType) -> Any:
    return lib.samplers.CmaEsSampler(seed=0)


def _cma_margin(lib: ModuleType) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.samplers.CmaEsSampler(seed=0, with_margin=True)


def _sep_cma(lib: ModuleType) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lib.samplers.CmaEsSampler(seed=0, use_separable_cma=True)


def sphere5(trial: Any) -> float:
    """Five continuous parameters, almost free to evaluate."""
    return sum((trial.suggest_float(f"x{i}", -5.0, 5.0) - 1.0) ** 2 for i in range(5))


def mixed4(trial: Any) -> float:
    """Float, log float, int and stepped float parameters."""
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    n = trial.suggest_int("n", 1, 64)
    s = trial.suggest_float("s", 0.0, 1.0, step=0.05)
    return x**2 + (lr - 1e-2) ** 2 + (n - 8) ** 2 + s


CASES: list[Case] = [
    Case("cmaes sphere5 200 trials", 200, make_sampler=_cma, objective=sphere5),
    Case("cmaes sphere5 1000 trials", 1000, make_sampler=_cma, objective=sphere5),
    Case("cmaes mixed4 1000 trials", 1000, make_sampler=_cma, objective=mixed4),
    Case("cmaes sep sphere5 1000 trials", 1000, make_sampler=_sep_cma, objective=sphere5),
    Case("cmaes margin mixed4 1000 trials", 1000, make_sampler=_cma_margin, objective=mixed4),
]


def _run_one(case_name: str, library: str) -> dict[str, Any]:
    import importlib

    case = next(c for c in CASES if c.name == case_name)
    # Import the library and cmaes first so the CPU time below covers the optimisation only.
    lib = importlib.import_module(library)
    importlib.import_module("cmaes")  # Optuna imports it lazily at the first sampled trial.
    if case.make_sampler is not None:
        case.make_sampler(lib)
    cpu = time.process_time()
    result = run_case(case, library)
    result["cpu_ms_per_trial"] = (time.process_time() - cpu) / case.n_trials * 1e3
    return result


def _in_subprocess(case_name: str, library: str) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), "--run-one", case_name, library]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  ! {library} {case_name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="Run only cases whose name contains this.")
    parser.add_argument("--run-one", nargs=2, metavar=("CASE", "LIB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(_run_one(*args.run_one)))
        return
    libraries = ["hpo"] + (["optuna"] if library_available("optuna") else [])
    rows = []
    for case in CASES:
        if args.only and args.only not in case.name:
            continue
        got = {lib: _in_subprocess(case.name, lib) for lib in libraries}
        h, o = got.get("hpo"), got.get("optuna")
        rows.append(
            [
                case.name,
                h["ms_per_trial"] if h else "-",
                h["cpu_ms_per_trial"] if h else "-",
                h["growth"] if h else "-",
                o["ms_per_trial"] if o else "-",
                o["cpu_ms_per_trial"] if o else "-",
                ratio(h and h["ms_per_trial"], o and o["ms_per_trial"]),
                ratio(h and h["cpu_ms_per_trial"], o and o["cpu_ms_per_trial"]),
            ]
        )
        print(f"  done: {case.name}", file=sys.stderr)
    headers = [
        "case",
        "hpo ms/trial",
        "hpo cpu ms",
        "hpo growth",
        "optuna ms/trial",
        "optuna cpu ms",
        "hpo/optuna",
        "cpu hpo/optuna",
    ]
    print(format_table(headers, rows))


if __name__ == "__main__":
    main()
