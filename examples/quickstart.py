"""Quickstart: minimise a function of three parameters, then look at the result.

Run with ``python examples/quickstart.py``. Works unchanged with ``import optuna as hpo``.
"""

import hpo


def objective(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    kind = trial.suggest_categorical("kind", ["linear", "quadratic"])
    penalty = abs(x - 2) if kind == "linear" else (x - 2) ** 2
    return penalty + (lr - 1e-3) ** 2


if __name__ == "__main__":
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    study = hpo.create_study(direction="minimize")
    study.optimize(objective, n_trials=100)
    print(f"Best value: {study.best_value:.4f}")
    print(f"Best params: {study.best_params}")
    print(f"Trials run: {len(study.trials)}")
