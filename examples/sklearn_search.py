"""Tune scikit-learn estimators with ``hpo.integration.OptunaSearchCV``.

Run with ``python examples/sklearn_search.py`` (needs ``pip install 'hpo[sklearn]'``).

1. An SVC on the iris data: search ``C`` and ``gamma`` on a log scale, then predict with the
   refitted best estimator.
2. An ``SGDClassifier`` on the breast-cancer data, trained incrementally with pruning: every trial
   runs ``partial_fit`` for up to ``max_iter`` epochs, and the study's ``MedianPruner`` stops
   unpromising ones.
"""

import warnings

from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution
from hpo.integration import OptunaSearchCV


def tune_svc() -> None:
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    search = OptunaSearchCV(
        SVC(),
        {
            "C": FloatDistribution(1e-3, 1e3, log=True),
            "gamma": FloatDistribution(1e-4, 1e1, log=True),
        },
        cv=3,
        n_trials=20,
        random_state=0,
    )
    search.fit(X_train, y_train)
    print(f"SVC best params: {search.best_params_}")
    print(f"SVC best CV accuracy: {search.best_score_:.3f}")
    print(f"SVC held-out accuracy: {search.score(X_test, y_test):.3f}")


def tune_sgd_with_pruning() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    study = hpo.create_study(
        direction="maximize",
        sampler=hpo.samplers.TPESampler(seed=0),
        pruner=hpo.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=2),
    )
    search = OptunaSearchCV(
        SGDClassifier(random_state=0),
        {
            "alpha": FloatDistribution(1e-6, 1e0, log=True),
            "loss": CategoricalDistribution(["hinge", "log_loss", "modified_huber"]),
        },
        cv=3,
        enable_pruning=True,
        max_iter=8,
        n_trials=16,
        study=study,
        subsample=0.5,  # search on half of the samples; the refit uses all of them
        random_state=0,
    )
    search.fit(X, y)
    states = [trial.state.name for trial in search.trials_]
    print(f"SGD best params: {search.best_params_}")
    print(f"SGD best CV accuracy: {search.best_score_:.3f}")
    print(f"SGD trials: {states.count('COMPLETE')} complete, {states.count('PRUNED')} pruned")


if __name__ == "__main__":
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    warnings.simplefilter("ignore", ConvergenceWarning)
    tune_svc()
    tune_sgd_with_pruning()
