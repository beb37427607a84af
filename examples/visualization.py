"""Plot a study and rank its parameters by importance.

Run with ``python examples/visualization.py [output_dir]``. It optimizes a small function,
prints the parameter importances, and writes interactive plotly figures as HTML files into
``output_dir`` (a new temporary directory by default; the pages load plotly.js from its CDN).
Needs plotly and scikit-learn; works unchanged with ``import optuna as hpo``.
"""

import sys
import tempfile
from pathlib import Path

import hpo


def objective(trial: hpo.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 4)
    for step in range(5):  # a learning curve, for plot_intermediate_values
        trial.report((x - 2) ** 2 / (step + 1) + layers, step)
    return (x - 2) ** 2 + 0.1 * layers + lr


def main(out_dir: Path) -> None:
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    study = hpo.create_study(sampler=hpo.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=60)

    importances = hpo.importance.get_param_importances(study)
    print("Importances:", {name: round(value, 3) for name, value in importances.items()})

    figures = {
        "history": hpo.visualization.plot_optimization_history(study),
        "intermediate": hpo.visualization.plot_intermediate_values(study),
        "slice": hpo.visualization.plot_slice(study),
        "contour": hpo.visualization.plot_contour(study, params=["x", "layers"]),
        "importances": hpo.visualization.plot_param_importances(study),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, figure in figures.items():
        path = out_dir / f"{name}.html"
        figure.write_html(path, include_plotlyjs="cdn")
        print(f"Wrote {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hpo-plots-")))
