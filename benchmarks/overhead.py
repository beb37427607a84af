"""Per-trial overhead of hpo, side by side with Optuna when it is installed.

    python benchmarks/overhead.py                 # every case
    python benchmarks/overhead.py --only memory   # cases whose name contains "memory"
    python benchmarks/overhead.py --out results.json

Rows come from this file (in-memory storage) and from every ``benchmarks/overhead_*.py`` module
that defines ``CASES``. Each (case, library) pair runs in a fresh subprocess. Columns: ms per
trial over the whole run, over the first and the last 10% of trials, their ratio (growth), peak
RSS, and hpo ÷ Optuna for ms/trial. The import-time table compares ``import hpo`` with
``import optuna``.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import statistics
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchmarks._harness import Case, format_table, library_available, ratio, run_case  # noqa: E402

CASES = [
    Case(name="memory/random/1000", n_trials=1000),
    Case(name="memory/random/10000", n_trials=10000),
]


def _case_modules() -> list[str]:
    names = ["benchmarks.overhead"]
    for path in sorted(glob.glob(os.path.join(HERE, "overhead_*.py"))):
        names.append("benchmarks." + os.path.splitext(os.path.basename(path))[0])
    return names


def all_cases() -> list[tuple[str, Case]]:
    found = []
    for module_name in _case_modules():
        module = importlib.import_module(module_name)
        for case in getattr(module, "CASES", []):
            found.append((module_name, case))
    return found


def _run_in_subprocess(module_name: str, case_name: str, library: str) -> dict[str, Any] | None:
    cmd = [sys.executable, os.path.abspath(__file__), "--run-one", module_name, case_name, library]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.dirname(HERE))
    if proc.returncode != 0:
        print(f"  ! {library} {case_name} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_time(library: str, repeats: int = 7) -> float:
    """Median wall time of ``import <library>`` in a fresh interpreter, in ms."""
    code = f"import time; t=time.perf_counter(); import {library}; print(time.perf_counter()-t)"
    times = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        times.append(float(out.stdout.strip()) * 1e3)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="Run only cases whose name contains this.")
    parser.add_argument("--out", default=None, help="Write the results as JSON to this file.")
    parser.add_argument("--no-optuna", action="store_true", help="Skip the Optuna runs.")
    parser.add_argument("--skip-import", action="store_true", help="Skip the import-time table.")
    parser.add_argument("--run-one", nargs=3, metavar=("MODULE", "CASE", "LIB"), help="internal")
    args = parser.parse_args()

    if args.run_one:
        module_name, case_name, library = args.run_one
        module = importlib.import_module(module_name)
        case = next(c for c in module.CASES if c.name == case_name)
        print(json.dumps(run_case(case, library)))
        return

    with_optuna = not args.no_optuna and library_available("optuna")
    results: dict[str, Any] = {"cases": {}, "import_ms": {}}

    if not args.skip_import:
        libs = ["hpo"] + (["optuna"] if with_optuna else [])
        for lib in libs:
            results["import_ms"][lib] = import_time(lib)
        hpo_ms = results["import_ms"]["hpo"]
        opt_ms = results["import_ms"].get("optuna")
        print(
            format_table(
                ["import", "hpo ms", "optuna ms", "hpo/optuna"],
                [["import", hpo_ms, opt_ms if opt_ms is not None else "-", ratio(hpo_ms, opt_ms)]],
            )
        )
        print()

    rows = []
    for module_name, case in all_cases():
        if args.only and args.only not in case.name:
            continue
        measured: dict[str, Any] = {}
        for library in case.libraries:
            if library == "optuna" and not with_optuna:
                continue
            measured[library] = _run_in_subprocess(module_name, case.name, library)
        results["cases"][case.name] = measured
        h, o = measured.get("hpo"), measured.get("optuna")
        rows.append(
            [
                case.name,
                case.n_trials,
                h["ms_per_trial"] if h else "-",
                h["first10_ms"] if h else "-",
                h["last10_ms"] if h else "-",
                h["growth"] if h else "-",
                h["peak_rss_mb"] if h else "-",
                o["ms_per_trial"] if o else "-",
                o["growth"] if o else "-",
                o["peak_rss_mb"] if o else "-",
                ratio(h and h["ms_per_trial"], o and o["ms_per_trial"]),
            ]
        )
        print(f"  done: {case.name}", file=sys.stderr)
    print(
        format_table(
            [
                "case",
                "trials",
                "hpo ms/trial",
                "first10%",
                "last10%",
                "growth",
                "hpo MB",
                "optuna ms/trial",
                "optuna growth",
                "optuna MB",
                "hpo/optuna",
            ],
            rows,
        )
    )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
