"""Pruning benchmark: hpo's pruners next to Optuna's, in the same run.

Four tables:

1. Synthetic learning curves with known final values: for each pruner, the steps spent and the
   best final value after a fixed number of trials (mean over seeds), hpo and Optuna.
2. ``SGDClassifier.partial_fit`` on the digits data set (validation accuracy per epoch).
3. Decision agreement with Optuna when both replay the same trial histories (NaN reports and
   skipped steps included); the target is >= 99 % for every pruner.
4. Time per ``should_prune`` call in a study of 1,000 trials x 100 steps (target: <= 1/5 of
   Optuna's). The cache of finished trials is warm, as it is in a running study, where it fills
   one finished trial at a time; the one-time cost of filling it from scratch is shown too.

Usage::

    python benchmarks/pruning.py            # everything (a few minutes)
    python benchmarks/pruning.py --quick    # fewer seeds and trials
    python benchmarks/pruning.py --only timing,agreement
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

import hpo

try:
    import optuna
except ImportError:  # pragma: no cover - the benchmark extra installs it
    optuna = None

PrunerFactory = Callable[[ModuleType], Any]

PRUNERS: dict[str, PrunerFactory] = {
    "Nop": lambda m: m.pruners.NopPruner(),
    "Median": lambda m: m.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=5),
    "Percentile(25)": lambda m: m.pruners.PercentilePruner(
        25.0, n_startup_trials=5, n_warmup_steps=5
    ),
    "SuccessiveHalving": lambda m: m.pruners.SuccessiveHalvingPruner(),
    "Hyperband": lambda m: m.pruners.HyperbandPruner(),
    "Threshold": lambda m: m.pruners.ThresholdPruner(upper=3.0, n_warmup_steps=5),
    "Patient(Median)": lambda m: m.pruners.PatientPruner(
        m.pruners.MedianPruner(n_startup_trials=5), patience=3
    ),
    "Wilcoxon": lambda m: m.pruners.WilcoxonPruner(p_threshold=0.1),
}
# Accuracy is maximized in the digits task, so its threshold is a lower bound.
SGD_THRESHOLD: PrunerFactory = lambda m: m.pruners.ThresholdPruner(lower=0.6, n_warmup_steps=3)


def _libraries() -> list[tuple[str, ModuleType]]:
    libs: list[tuple[str, ModuleType]] = [("hpo", hpo)]
    if optuna is not None:
        libs.append(("optuna", optuna))
    return libs


def _quiet() -> None:
    warnings.simplefilter("ignore")
    hpo.logging.set_verbosity(hpo.logging.ERROR)
    if optuna is not None:
        optuna.logging.set_verbosity(optuna.logging.ERROR)


# --- (1) synthetic learning curves ----------------------------------------------------------------

N_SYNTH_STEPS = 50


def synthetic_final(x: float, y: float) -> float:
    """The known final value of a configuration (minimum 0 at x=1, y=-0.5)."""
    return (x - 1.0) ** 2 + (y + 0.5) ** 2


def synthetic_curve(x: float, y: float, step: int) -> float:
    """Loss after ``step`` steps: decays to the final value; slow starters exist (|y| large)."""
    amplitude = 2.0 + abs(x * y)
    tau = 3.0 + 12.0 / (1.0 + math.exp(-2.0 * y))
    noise = 0.05 * math.sin(97.0 * x + 31.0 * y + 7.0 * step)
    return synthetic_final(x, y) + amplitude * math.exp(-step / tau) + noise


def synthetic_objective(trial: Any) -> float:
    x = trial.suggest_float("x", -3.0, 3.0)
    y = trial.suggest_float("y", -3.0, 3.0)
    for step in range(N_SYNTH_STEPS):
        trial.report(synthetic_curve(x, y, step), step)
        if trial.should_prune():
            raise _pruned(trial)
    return synthetic_final(x, y)


def _pruned(trial: Any) -> Exception:
    module = hpo if type(trial).__module__.startswith("hpo") else optuna
    return module.TrialPruned()


# --- (2) SGDClassifier on digits ----------------------------------------------------------------

N_SGD_EPOCHS = 30
_DIGITS: tuple[Any, ...] | None = None


def _digits() -> tuple[Any, ...]:
    global _DIGITS
    if _DIGITS is None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        x, y = load_digits(return_X_y=True)
        x_train, x_valid, y_train, y_valid = train_test_split(x, y, random_state=0)
        scaler = StandardScaler().fit(x_train)
        _DIGITS = (scaler.transform(x_train), scaler.transform(x_valid), y_train, y_valid)
    return _DIGITS


def sgd_objective(trial: Any) -> float:
    from sklearn.linear_model import SGDClassifier

    x_train, x_valid, y_train, y_valid = _digits()
    alpha = trial.suggest_float("alpha", 1e-6, 1.0, log=True)
    eta0 = trial.suggest_float("eta0", 1e-5, 10.0, log=True)
    clf = SGDClassifier(alpha=alpha, learning_rate="constant", eta0=eta0, random_state=0)
    classes = np.unique(y_train)
    score = 0.0
    for epoch in range(N_SGD_EPOCHS):
        clf.partial_fit(x_train, y_train, classes=classes)
        score = float(clf.score(x_valid, y_valid))
        trial.report(score, epoch)
        if trial.should_prune():
            raise _pruned(trial)
    return score


def run_task(
    objective: Callable[[Any], float],
    direction: str,
    pruners: dict[str, PrunerFactory],
    n_trials: int,
    seeds: list[int],
) -> list[dict[str, Any]]:
    rows = []
    for name, make in pruners.items():
        row: dict[str, Any] = {"pruner": name}
        for lib_name, lib in _libraries():
            steps, best, pruned = [], [], []
            for seed in seeds:
                study = lib.create_study(
                    direction=direction,
                    sampler=lib.samplers.RandomSampler(seed=seed),
                    pruner=make(lib),
                    study_name=f"task-{seed}",
                )
                study.optimize(objective, n_trials=n_trials)
                trials = study.get_trials(deepcopy=False)
                steps.append(sum(len(t.intermediate_values) for t in trials))
                best.append(study.best_value)
                pruned.append(sum(t.state.name == "PRUNED" for t in trials))
            row[lib_name] = (
                statistics.mean(steps),
                statistics.mean(best),
                statistics.mean(pruned),
            )
        rows.append(row)
    return rows


def print_task_table(title: str, rows: list[dict[str, Any]], best_fmt: str) -> None:
    print(f"\n### {title}\n")
    libs = [name for name, _ in _libraries()]
    header = "| pruner | " + " | ".join(f"{lib} steps | {lib} best | {lib} pruned" for lib in libs)
    if len(libs) == 2:
        header += " | steps hpo/optuna"
    print(header + " |")
    print("|" + "---|" * (header.count("|")))
    for row in rows:
        cells = [row["pruner"]]
        for lib in libs:
            steps, best, pruned = row[lib]
            cells += [f"{steps:.0f}", format(best, best_fmt), f"{pruned:.1f}"]
        if len(libs) == 2:
            cells.append(f"{row['hpo'][0] / row['optuna'][0]:.2f}")
        print("| " + " | ".join(cells) + " |")


# --- (3) agreement on replayed histories ----------------------------------------------------------

AGREEMENT_PRUNERS: dict[str, PrunerFactory] = {
    **{k: v for k, v in PRUNERS.items() if k != "Nop"},
    "Median(options)": lambda m: m.pruners.MedianPruner(
        n_startup_trials=3, n_warmup_steps=4, interval_steps=3, n_min_trials=3
    ),
    "SuccessiveHalving(options)": lambda m: m.pruners.SuccessiveHalvingPruner(
        min_resource=2, reduction_factor=3, min_early_stopping_rate=1, bootstrap_count=2
    ),
    "Hyperband(options)": lambda m: m.pruners.HyperbandPruner(
        min_resource=1, max_resource=40, reduction_factor=2, bootstrap_count=1
    ),
    "Threshold(both bounds)": lambda m: m.pruners.ThresholdPruner(
        lower=0.2, upper=2.0, interval_steps=2
    ),
    "Patient(None)": lambda m: m.pruners.PatientPruner(None, patience=4, min_delta=0.01),
}


def replay_histories(seed: int, n_trials: int, n_steps: int = 40) -> list[dict[int, float]]:
    """Noisy learning curves with some NaN reports and skipped steps."""
    rng = np.random.default_rng(seed)
    histories = []
    for _ in range(n_trials):
        final, rate = rng.random(), rng.uniform(0.03, 0.5)
        steps = [s for s in range(n_steps) if rng.random() > 0.1 or s == n_steps - 1]
        curve = {s: final + math.exp(-rate * s) + float(rng.normal(0, 0.03)) for s in steps}
        for s in steps:
            if rng.random() < 0.02:
                curve[s] = math.nan
        histories.append(curve)
    return histories


def agreement(make: PrunerFactory, direction: str, seed: int, n_trials: int) -> tuple[int, int]:
    """Replay histories in both libraries, following Optuna's decisions; count agreements."""
    assert optuna is not None
    sign = -1.0 if direction == "maximize" else 1.0
    name = f"replay-{seed}"
    ours = hpo.create_study(study_name=name, direction=direction, pruner=make(hpo))
    theirs = optuna.create_study(study_name=name, direction=direction, pruner=make(optuna))
    agree = total = 0
    for curve in replay_histories(seed, n_trials):
        a, b = ours.ask(), theirs.ask()
        pruned = False
        for step, value in curve.items():
            a.report(sign * value, step)
            b.report(sign * value, step)
            reference = b.should_prune()
            agree += a.should_prune() == reference
            total += 1
            if reference:
                pruned = True
                break
        if pruned:
            ours.tell(a, state=hpo.trial.TrialState.PRUNED)
            theirs.tell(b, state=optuna.trial.TrialState.PRUNED)
        else:
            last = curve[max(curve)]
            value = 0.0 if math.isnan(last) else sign * last
            ours.tell(a, value)
            theirs.tell(b, value)
    return agree, total


def print_agreement(seeds: list[int], n_trials: int) -> None:
    print("\n### Decision agreement with Optuna on replayed histories\n")
    if optuna is None:
        print("(optuna is not installed)")
        return
    print(f"{len(seeds)} seeds x {n_trials} trials x up to 40 steps, both directions.\n")
    print("| pruner | decisions | agree | agreement |")
    print("|---|---|---|---|")
    for name, make in AGREEMENT_PRUNERS.items():
        agree = total = 0
        for seed in seeds:
            for direction in ("minimize", "maximize"):
                a, t = agreement(make, direction, seed, n_trials)
                agree += a
                total += t
        print(f"| {name} | {total} | {agree} | {100 * agree / total:.2f} % |")


# --- (4) time per should_prune ------------------------------------------------------------------


def _big_study(lib: ModuleType, make: PrunerFactory, n_trials: int, n_steps: int) -> Any:
    rng = np.random.default_rng(0)
    study = lib.create_study(study_name="timing", pruner=make(lib))
    rung_steps = [3**k for k in range(10) if 3**k < n_steps]
    for _ in range(n_trials):
        curve = rng.random() + np.exp(-rng.uniform(0.01, 0.3) * np.arange(n_steps))
        values = {s: float(v) for s, v in enumerate(curve)}
        rungs = {f"completed_rung_{k}": values[s] for k, s in enumerate(rung_steps)}
        study.add_trial(
            lib.trial.create_trial(
                value=values[n_steps - 1], intermediate_values=values, system_attrs=rungs
            )
        )
    return study


def time_should_prune(
    lib: ModuleType, make: PrunerFactory, n_trials: int, n_steps: int, n_running: int
) -> tuple[float, float]:
    """(ms spent in the first trial's calls, mean us per call over ``n_running`` later trials).

    Every trial reports all steps and calls ``should_prune`` after each report (decisions are
    ignored, so every trial costs the same number of calls), then is told PRUNED. The first trial pays one-time
    costs: imports (scipy for Wilcoxon) and, in hpo, filling the cache of finished trials.
    """
    study = _big_study(lib, make, n_trials, n_steps)
    rng = np.random.default_rng(1)
    first_ms = 0.0
    elapsed = 0.0
    calls = 0
    for i in range(n_running + 1):
        trial = study.ask()
        for step in range(n_steps):
            trial.report(float(rng.random()) + 0.3, step)
            start = time.process_time()
            trial.should_prune()
            spent = time.process_time() - start
            if i == 0:
                first_ms += spent * 1e3
            else:
                elapsed += spent
                calls += 1
        study.tell(trial, state=lib.trial.TrialState.PRUNED)  # the next trial runs alone
    return first_ms, elapsed / calls * 1e6


def print_timing(n_trials: int, n_steps: int, n_running: int) -> None:
    print(f"\n### Time per should_prune call, {n_trials} trials x {n_steps} steps (in memory)\n")
    print(
        f"Mean over {n_running} new trials reporting every step and calling should_prune after "
        "each report; CPU time of this process (so time the OS gives other processes does not "
        "count). `first trial ms` is the total of the first trial's calls (one-time costs: "
        "imports, and filling hpo's cache of the 1,000 finished trials).\n"
    )
    libs = _libraries()
    header = "| pruner | " + " | ".join(f"{n} us/call | {n} first trial ms" for n, _ in libs)
    if len(libs) == 2:
        header += " | hpo/optuna"
    print(header + " |")
    print("|" + "---|" * header.count("|"))
    for name, make in PRUNERS.items():
        if name == "Nop":
            continue
        cells = [name]
        per_call = {}
        for lib_name, lib in libs:
            cold, us = time_should_prune(lib, make, n_trials, n_steps, n_running)
            per_call[lib_name] = us
            cells += [f"{us:.1f}", f"{cold:.1f}"]
        if len(libs) == 2:
            cells.append(f"{per_call['hpo'] / per_call['optuna']:.3f}")
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and trials")
    parser.add_argument(
        "--only", default="synthetic,sgd,agreement,timing", help="comma-separated sections"
    )
    args = parser.parse_args()
    sections = set(args.only.split(","))
    _quiet()
    seeds = [0, 1] if args.quick else [0, 1, 2]
    if "synthetic" in sections:
        n = 40 if args.quick else 60
        rows = run_task(synthetic_objective, "minimize", PRUNERS, n, seeds)
        print_task_table(
            f"Synthetic learning curves: {n} trials x {N_SYNTH_STEPS} steps, mean of "
            f"{len(seeds)} seeds (best = true final value, lower is better)",
            rows,
            ".4f",
        )
    if "sgd" in sections:
        n = 20 if args.quick else 30
        pruners = {**PRUNERS, "Threshold": SGD_THRESHOLD}
        rows = run_task(sgd_objective, "maximize", pruners, n, seeds[:2])
        print_task_table(
            f"SGDClassifier.partial_fit on digits: {n} trials x {N_SGD_EPOCHS} epochs, mean of "
            f"{len(seeds[:2])} seeds (best = validation accuracy, higher is better)",
            rows,
            ".4f",
        )
    if "agreement" in sections:
        print_agreement(seeds, 60 if args.quick else 100)
    if "timing" in sections:
        print_timing(1000, 100, 3 if args.quick else 10)


if __name__ == "__main__":
    main()
