"""Same decisions as Optuna's pruners when both replay the same trial histories.

Histories are noisy learning curves with NaN reports and skipped steps. Both libraries replay
them trial by trial; whenever Optuna prunes, both trials are pruned, so the histories stay equal.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import hpo

optuna = pytest.importorskip("optuna")

PRUNERS: dict[str, Callable[[Any], Any]] = {
    "median": lambda m: m.pruners.MedianPruner(n_startup_trials=3),
    "median_options": lambda m: m.pruners.MedianPruner(
        n_startup_trials=2, n_warmup_steps=3, interval_steps=3, n_min_trials=3
    ),
    "percentile": lambda m: m.pruners.PercentilePruner(30.0, n_startup_trials=2, interval_steps=2),
    "sha_auto": lambda m: m.pruners.SuccessiveHalvingPruner(reduction_factor=3),
    "sha_options": lambda m: m.pruners.SuccessiveHalvingPruner(
        min_resource=2, reduction_factor=2, min_early_stopping_rate=1, bootstrap_count=2
    ),
    "hyperband_auto": lambda m: m.pruners.HyperbandPruner(),
    "hyperband_options": lambda m: m.pruners.HyperbandPruner(
        min_resource=2, max_resource=24, reduction_factor=2, bootstrap_count=1
    ),
    "threshold": lambda m: m.pruners.ThresholdPruner(lower=-1.2, upper=1.3, n_warmup_steps=1),
    "patient": lambda m: m.pruners.PatientPruner(
        m.pruners.MedianPruner(n_startup_trials=2), patience=2, min_delta=0.01
    ),
    "wilcoxon": lambda m: m.pruners.WilcoxonPruner(p_threshold=0.2),
}


def _histories(seed: int, n_trials: int = 30, n_steps: int = 24) -> list[dict[int, float]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_trials):
        final, speed = rng.random(), rng.uniform(0.05, 0.5)
        steps = [s for s in range(n_steps) if rng.random() > 0.1 or s == n_steps - 1]
        curve = {s: final + math.exp(-speed * s) + rng.normal(0, 0.02) for s in steps}
        for s in steps:
            if rng.random() < 0.03:
                curve[s] = math.nan
        out.append(curve)
    return out


def _replay(make: Callable[[Any], Any], direction: str, seed: int) -> tuple[int, int]:
    sign = -1.0 if direction == "maximize" else 1.0
    name = f"agreement-{seed}"
    ours = hpo.create_study(study_name=name, direction=direction, pruner=make(hpo))
    theirs = optuna.create_study(study_name=name, direction=direction, pruner=make(optuna))
    agree = total = 0
    for curve in _histories(seed):
        a, b = ours.ask(), theirs.ask()
        pruned = False
        for step, value in curve.items():
            a.report(sign * value, step)
            b.report(sign * value, step)
            mine, reference = a.should_prune(), b.should_prune()
            agree += mine == reference
            total += 1
            if reference:
                pruned = True
                break
        if pruned:
            ours.tell(a, state=hpo.trial.TrialState.PRUNED)
            theirs.tell(b, state=optuna.trial.TrialState.PRUNED)
        else:
            last = curve[max(curve)]
            final = 0.0 if math.isnan(last) else sign * last
            ours.tell(a, final)
            theirs.tell(b, final)
    return agree, total


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
@pytest.mark.parametrize("name", sorted(PRUNERS))
def test_same_decisions_as_optuna(name: str, direction: str) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agree, total = _replay(PRUNERS[name], direction, seed=len(name))
    assert total > 100
    assert agree == total
