"""QMCSampler and NSGAIISampler rows of the overhead benchmark.

``benchmarks/overhead.py`` picks up ``CASES``. Run this file directly for these rows only::

    python benchmarks/overhead_qmc_nsga.py
"""

from __future__ import annotations

import os
import sys
import warnings
from types import ModuleType
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from _harness import Case, format_table, library_available, ratio, run_case  # noqa: E402


def _qmc(lib: ModuleType) -> Any:
    return lib.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=0)


def _halton(lib: ModuleType) -> Any:
    return lib.samplers.QMCSampler(qmc_type="halton", seed=0)


def _nsga(lib: ModuleType) -> Any:
    return lib.samplers.NSGAIISampler(population_size=50, seed=0)


def _nsga_sbx(lib: ModuleType) -> Any:
    return lib.samplers.NSGAIISampler(
        population_size=50, seed=0, crossover=lib.samplers.nsgaii.SBXCrossover()
    )


def zdt1(trial: Any) -> tuple[float, float]:
    """ZDT1 on 5 float parameters."""
    xs = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(5)]
    g = 1 + 9 * sum(xs[1:]) / 4
    return xs[0], g * (1 - (xs[0] / g) ** 0.5)


CASES: list[Case] = [
    Case("qmc sobol 1000 trials", 1000, make_sampler=_qmc),
    Case("qmc halton 1000 trials", 1000, make_sampler=_halton),
    Case(
        "nsga2 zdt1 1000 trials",
        1000,
        make_sampler=_nsga,
        objective=zdt1,
        directions=["minimize", "minimize"],
    ),
    Case(
        "nsga2 sbx zdt1 1000 trials",
        1000,
        make_sampler=_nsga_sbx,
        objective=zdt1,
        directions=["minimize", "minimize"],
    ),
]


def main() -> None:
    warnings.simplefilter("ignore")
    rows = []
    for case in CASES:
        ours = run_case(case, "hpo")
        theirs = run_case(case, "optuna") if library_available("optuna") else None
        rows.append(
            [
                case.name,
                ours["ms_per_trial"],
                theirs["ms_per_trial"] if theirs else "-",
                ratio(ours["ms_per_trial"], theirs["ms_per_trial"] if theirs else None),
                ours["growth"],
            ]
        )
    print(format_table(["case", "hpo ms/trial", "optuna ms/trial", "hpo/optuna", "growth"], rows))


if __name__ == "__main__":
    main()
