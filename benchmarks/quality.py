"""Optimisation quality: best value found within 25 / 50 / 100 trials, over many seeds.

For every problem and sampler the script runs one study per seed with the largest budget and
reads the best value found after each budget from the trajectory. It prints, per problem, the
median best value at each budget and the mean rank of every sampler (rank 1 = best on that seed;
ties share the average rank), then a summary of hpo's TPE and GP samplers against Optuna's.

Usage::

    python benchmarks/quality.py --jobs 2                # everything, 10 seeds
    python benchmarks/quality.py --seeds 5 --problems sphere,branin --samplers hpo-tpe,random

Samplers are looked up in ``SAMPLERS`` (name -> :class:`SamplerSpec`); another module can add
rows with :func:`register_sampler`. A sampler whose library is not installed is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


# --- samplers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplerSpec:
    """How to build a sampler: ``factory(lib_module, seed)`` with ``lib_module`` = ``library``."""

    library: str  # "hpo" or "optuna" (or any module exposing create_study / samplers)
    factory: Callable[[ModuleType, int], Any]


def _tpe(lib: ModuleType, seed: int) -> Any:
    return lib.samplers.TPESampler(seed=seed)


def _random(lib: ModuleType, seed: int) -> Any:
    return lib.samplers.RandomSampler(seed=seed)


def _gp(lib: ModuleType, seed: int) -> Any:
    return lib.samplers.GPSampler(seed=seed)


def _cmaes(lib: ModuleType, seed: int) -> Any:
    return lib.samplers.CmaEsSampler(seed=seed)


def _skopt(lib: ModuleType, seed: int) -> Any:
    return lib.integration.SkoptSampler(skopt_kwargs={"base_estimator": "GP"}, seed=seed)


SAMPLERS: dict[str, SamplerSpec] = {
    "hpo-tpe": SamplerSpec("hpo", _tpe),
    "optuna-tpe": SamplerSpec("optuna", _tpe),
    "hpo-gp": SamplerSpec("hpo", _gp),
    "optuna-gp": SamplerSpec("optuna", _gp),
    "hpo-cmaes": SamplerSpec("hpo", _cmaes),
    "optuna-cmaes": SamplerSpec("optuna", _cmaes),
    "hpo-skopt": SamplerSpec("hpo", _skopt),
    "random": SamplerSpec("hpo", _random),
}


# Rows too slow for the default run (scikit-optimize refits its GP and optimises the acquisition
# with L-BFGS restarts every trial); ask for them with --samplers.
OPT_IN_SAMPLERS = {"hpo-skopt"}


def register_sampler(name: str, library: str, factory: Callable[[ModuleType, int], Any]) -> None:
    """Add a sampler row (e.g. from another benchmark module)."""
    SAMPLERS[name] = SamplerSpec(library, factory)


# --- problems ---------------------------------------------------------------------------------


def sphere(trial: Any) -> float:
    """5-D sphere on [-5, 5]^5; minimum 0."""
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(5))


def rosenbrock(trial: Any) -> float:
    """4-D Rosenbrock on [-2, 2]^4; minimum 0 at (1, 1, 1, 1)."""
    x = [trial.suggest_float(f"x{i}", -2.0, 2.0) for i in range(4)]
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def branin(trial: Any) -> float:
    """Branin on [-5, 10] x [0, 15]; minimum 0.397887."""
    x1 = trial.suggest_float("x1", -5.0, 10.0)
    x2 = trial.suggest_float("x2", 0.0, 15.0)
    b, c = 5.1 / (4 * math.pi**2), 5 / math.pi
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(trial: Any) -> float:
    """Hartmann-6 on [0, 1]^6; minimum -3.32237."""
    x = np.array([trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)])
    return float(-np.sum(_H6_ALPHA * np.exp(-np.sum(_H6_A * (x - _H6_P) ** 2, axis=1))))


def lr_bowl(trial: Any) -> float:
    """A log-scale learning-rate bowl with momentum and a log-int batch size; minimum 0."""
    lr = trial.suggest_float("lr", 1e-6, 1.0, log=True)
    momentum = trial.suggest_float("momentum", 0.0, 0.99)
    batch = trial.suggest_int("batch_size", 8, 512, log=True)
    return (
        (math.log10(lr) + 3.0) ** 2 + 10 * (momentum - 0.9) ** 2 + (math.log2(batch) - 6) ** 2 / 10
    )


def conditional(trial: Any) -> float:
    """Choose a model family, then tune its own parameters; minimum 0 (``tree`` branch)."""
    model = trial.suggest_categorical("model", ["linear", "tree", "knn"])
    if model == "linear":
        alpha = trial.suggest_float("alpha", 1e-4, 10.0, log=True)
        penalty = trial.suggest_categorical("penalty", ["l1", "l2"])
        return 0.5 + (math.log10(alpha) + 1) ** 2 / 4 + (0.0 if penalty == "l2" else 0.2)
    if model == "tree":
        depth = trial.suggest_int("depth", 1, 12)
        lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
        subsample = trial.suggest_float("subsample", 0.3, 1.0, step=0.1)
        return (depth - 6) ** 2 / 20 + (math.log10(lr) + 1.5) ** 2 + (subsample - 0.8) ** 2
    k = trial.suggest_int("k", 1, 50)
    weights = trial.suggest_categorical("weights", ["uniform", "distance"])
    return 0.3 + (k - 17) ** 2 / 400 + (0.0 if weights == "distance" else 0.1)


@cache
def _digits() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x, _, y, _ = train_test_split(x / 16.0, y, train_size=600, random_state=0, stratify=y)
    return tuple(train_test_split(x, y, test_size=0.5, random_state=0, stratify=y))


def svc_digits(trial: Any) -> float:
    """Validation error of an RBF SVC on 600 digits (300 train / 300 validation)."""
    from sklearn.svm import SVC

    c = trial.suggest_float("C", 1e-3, 1e3, log=True)
    gamma = trial.suggest_float("gamma", 1e-5, 1e1, log=True)
    x_train, x_valid, y_train, y_valid = _digits()
    model = SVC(C=c, gamma=gamma).fit(x_train, y_train)
    return 1.0 - float(model.score(x_valid, y_valid))


@cache
def _breast_cancer() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    x, y = load_breast_cancer(return_X_y=True)
    return tuple(train_test_split(x, y, test_size=0.4, random_state=0, stratify=y))


def gb_breast_cancer(trial: Any) -> float:
    """Validation log-loss of gradient boosting on breast cancer (341 train / 228 validation)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import log_loss

    params = {
        "n_estimators": trial.suggest_int("n_estimators", 5, 60),
        "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1.0, log=True),
        "max_depth": trial.suggest_int("max_depth", 1, 5),
        "subsample": trial.suggest_float("subsample", 0.4, 1.0),
        "max_features": trial.suggest_categorical("max_features", ["sqrt", "log2", None]),
    }
    x_train, x_valid, y_train, y_valid = _breast_cancer()
    model = GradientBoostingClassifier(random_state=0, **params).fit(x_train, y_train)
    return float(log_loss(y_valid, model.predict_proba(x_valid)))


PROBLEMS: dict[str, Callable[[Any], float]] = {
    "sphere": sphere,
    "rosenbrock": rosenbrock,
    "branin": branin,
    "hartmann6": hartmann6,
    "lr_bowl": lr_bowl,
    "conditional": conditional,
    "svc_digits": svc_digits,
    "gb_breast_cancer": gb_breast_cancer,
}


# --- running ----------------------------------------------------------------------------------


def run_one(problem: str, sampler: str, seed: int, budgets: tuple[int, ...]) -> dict[str, Any]:
    """One study: the best value after each budget and the wall time."""
    spec = SAMPLERS[sampler]
    lib = importlib.import_module(spec.library)
    lib.logging.set_verbosity(lib.logging.WARNING)
    study = lib.create_study(sampler=spec.factory(lib, seed))
    start = time.perf_counter()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(PROBLEMS[problem], n_trials=max(budgets))
    elapsed = time.perf_counter() - start
    values = [t.value if t.value is not None else math.inf for t in study.trials]
    best = np.minimum.accumulate(values)
    return {
        "problem": problem,
        "sampler": sampler,
        "seed": seed,
        "best": {b: float(best[b - 1]) for b in budgets},
        "seconds": elapsed,
    }


def _run_packed(args: tuple[str, str, int, tuple[int, ...]]) -> dict[str, Any]:
    return run_one(*args)


# Values this close are the same result up to floating-point noise (e.g. two libraries taking
# the same steps with sums evaluated in a different order); they tie in ranks and comparisons.
_REL_TOL = 1e-9


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= _REL_TOL * max(1.0, abs(a), abs(b))


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and _same(values[order[j + 1]], values[order[i]]):
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def summarise(
    results: list[dict[str, Any]], samplers: list[str], budgets: tuple[int, ...]
) -> tuple[str, dict[str, Any]]:
    """Tables of median best value and mean rank; returns the text and the raw summary."""
    from _harness import format_table

    problems = list(dict.fromkeys(r["problem"] for r in results))
    best: dict[tuple[str, str, int], dict[int, float]] = {}
    for r in results:
        best.setdefault((r["problem"], r["sampler"], r["seed"]), {}).update(r["best"])
    seeds = sorted({r["seed"] for r in results})
    lines: list[str] = []
    median: dict[tuple[str, str, int], float] = {}
    mean_rank: dict[tuple[str, str, int], float] = {}
    for problem in problems:
        for budget in budgets:
            rank_sum = dict.fromkeys(samplers, 0.0)
            n = 0
            for seed in seeds:
                vals = [best.get((problem, s, seed), {}).get(budget) for s in samplers]
                if any(v is None for v in vals):
                    continue
                for s, rk in zip(samplers, _ranks(vals)):  # type: ignore[arg-type]
                    rank_sum[s] += rk
                n += 1
            for s in samplers:
                got = [
                    best[(problem, s, seed)][budget]
                    for seed in seeds
                    if (problem, s, seed) in best
                ]
                median[(problem, s, budget)] = statistics.median(got) if got else math.nan
                mean_rank[(problem, s, budget)] = rank_sum[s] / n if n else math.nan
    headers = ["problem", "sampler"]
    headers += [f"median@{b}" for b in budgets] + [f"rank@{b}" for b in budgets]
    rows = []
    for problem in problems:
        for s in samplers:
            rows.append(
                [problem, s]
                # Six significant digits: near an optimum the samplers differ in the 4th-6th.
                + [f"{median[(problem, s, b)]:.6g}" for b in budgets]
                + [mean_rank[(problem, s, b)] for b in budgets]
            )
    lines.append(format_table(headers, rows))
    overall = ["overall mean rank"]
    for s in samplers:
        ranks = [mean_rank[(p, s, b)] for p in problems for b in budgets]
        overall.append(f"{s}={statistics.mean(ranks):.3f}")
    lines.append("")
    lines.append("  ".join(overall))
    summary: dict[str, Any] = {"median": median, "mean_rank": mean_rank}
    for kind in ("tpe", "gp"):
        ours, theirs = f"hpo-{kind}", f"optuna-{kind}"
        if ours not in samplers or theirs not in samplers:
            continue
        top = max(budgets)
        for b in budgets:
            ok = [
                p
                for p in problems
                if median[(p, ours, b)] <= median[(p, theirs, b)]
                or _same(median[(p, ours, b)], median[(p, theirs, b)])
            ]
            lines.append(
                f"{ours} median no worse than {theirs} (rel. tol. {_REL_TOL:g}) at {b} trials: "
                f"{len(ok)}/{len(problems)}"
                + (
                    ""
                    if len(ok) == len(problems)
                    else f" (not: {sorted(set(problems) - set(ok))})"
                )
            )
        hr = statistics.mean(mean_rank[(p, ours, top)] for p in problems)
        orank = statistics.mean(mean_rank[(p, theirs, top)] for p in problems)
        lines.append(f"mean rank at {top} trials: {ours} {hr:.3f}, {theirs} {orank:.3f}")
    return "\n".join(lines), summary


def _progress(i: int, total: int, result: dict[str, Any], out: Any) -> None:
    if out is not None:
        out.write(json.dumps(result) + "\n")
        out.flush()
    print(
        f"[{i + 1}/{total}] {result['problem']} {result['sampler']} seed={result['seed']} "
        f"{result['seconds']:.1f}s",
        file=sys.stderr,
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Sampler quality benchmark.")
    parser.add_argument("--seeds", type=int, default=10, help="Seeds per problem and sampler.")
    parser.add_argument("--budgets", default="25,50,100", help="Comma-separated trial budgets.")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument(
        "--samplers", default=",".join(s for s in SAMPLERS if s not in OPT_IN_SAMPLERS)
    )
    parser.add_argument("--jobs", type=int, default=1, help="Worker processes.")
    parser.add_argument("--out", default=None, help="Append each run as a JSON line to this file.")
    parser.add_argument(
        "--summarise", default=None, metavar="FILE", help="Only print the tables of a --out file."
    )
    args = parser.parse_args()
    budgets = tuple(sorted(int(b) for b in args.budgets.split(",")))
    problems = [p for p in args.problems.split(",") if p]
    unknown = [p for p in problems if p not in PROBLEMS]
    if unknown:
        parser.error(f"unknown problems {unknown}; known: {sorted(PROBLEMS)}")
    samplers = []
    for name in args.samplers.split(","):
        if name not in SAMPLERS:
            parser.error(f"unknown sampler {name!r}; known: {sorted(SAMPLERS)}")
        try:
            importlib.import_module(SAMPLERS[name].library)
        except ImportError:
            print(f"skipping {name}: {SAMPLERS[name].library} is not installed", file=sys.stderr)
            continue
        samplers.append(name)
    if args.summarise:
        with open(args.summarise) as f:
            results = [json.loads(line) for line in f if line.strip()]
        for r in results:
            r["best"] = {int(k): v for k, v in r["best"].items()}
        results = [r for r in results if r["problem"] in problems and r["sampler"] in samplers]
        print(summarise(results, samplers, budgets)[0])
        return
    # Seed-major order: an interrupted run still covers every problem and sampler evenly.
    tasks = [
        (p, s, seed, budgets) for seed in range(args.seeds) for p in problems for s in samplers
    ]
    start = time.perf_counter()
    results = []
    out = open(args.out, "a") if args.out else None
    try:
        if args.jobs > 1:
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                for i, r in enumerate(pool.map(_run_packed, tasks, chunksize=1)):
                    results.append(r)
                    _progress(i, len(tasks), r, out)
        else:
            for i, task in enumerate(tasks):
                results.append(_run_packed(task))
                _progress(i, len(tasks), results[-1], out)
    finally:
        if out is not None:
            out.close()
    text, _ = summarise(results, samplers, budgets)
    seconds: dict[str, float] = {}
    for r in results:
        seconds[r["sampler"]] = seconds.get(r["sampler"], 0.0) + r["seconds"]
    print(text)
    print(
        "optimize() seconds per sampler (all runs): "
        + ", ".join(f"{s}={t:.1f}" for s, t in seconds.items())
    )
    print(f"{len(tasks)} runs, {args.seeds} seeds, wall {time.perf_counter() - start:.0f}s")


if __name__ == "__main__":
    main()
