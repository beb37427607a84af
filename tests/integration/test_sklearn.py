"""hpo.integration.OptunaSearchCV: a scikit-learn search estimator backed by an hpo study."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from hpo.trial import TrialState

pytest.importorskip("sklearn")

from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_iris, make_classification
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning, NotFittedError
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.model_selection import LeaveOneGroupOut
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from hpo.integration import OptunaSearchCV

ROOT = Path(__file__).resolve().parents[2]
LOG_C = FloatDistribution(1e-4, 1e3, log=True)


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
    hpo.logging.set_verbosity(hpo.logging.INFO)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def binary() -> tuple[np.ndarray, np.ndarray]:
    return make_classification(
        n_samples=200, n_features=10, n_informative=5, class_sep=1.5, random_state=0
    )


def svc_search(**kwargs: Any) -> OptunaSearchCV:
    kwargs.setdefault("n_trials", 8)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    return OptunaSearchCV(SVC(), {"C": LOG_C}, **kwargs)


def pruning_study(seed: int = 0) -> hpo.Study:
    return hpo.create_study(
        direction="maximize",
        sampler=hpo.samplers.RandomSampler(seed=seed),
        pruner=hpo.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
    )


# --- import ------------------------------------------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_import_integration_does_not_load_sklearn() -> None:
    out = _run(
        "import sys, hpo.integration as i\n"
        "assert 'sklearn' not in sys.modules, 'imported too early'\n"
        "assert {'OptunaSearchCV', 'SkoptSampler'} <= set(dir(i))\n"
        "i.OptunaSearchCV\n"
        "assert 'sklearn' in sys.modules\n"
    )
    assert out.returncode == 0, out.stderr


def test_missing_sklearn_names_the_extra() -> None:
    out = _run(
        "import sys\n"
        "sys.modules['sklearn'] = None  # makes `import sklearn` fail\n"
        "import hpo.integration\n"
        "try:\n"
        "    hpo.integration.OptunaSearchCV\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    assert out.returncode == 0, out.stderr
    assert "hpo[sklearn]" in out.stdout


# --- scikit-learn estimator protocol ------------------------------------------------------------


def test_signature_and_defaults_match_optuna_integration() -> None:
    params = inspect.signature(OptunaSearchCV).parameters
    defaults = {name: p.default for name, p in params.items()}
    assert list(params)[:2] == ["estimator", "param_distributions"]
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in list(params)[2:])
    assert math.isnan(defaults.pop("error_score"))
    assert defaults == {
        "estimator": inspect.Parameter.empty,
        "param_distributions": inspect.Parameter.empty,
        "cv": None,
        "enable_pruning": False,
        "max_iter": 1000,
        "n_jobs": None,
        "n_trials": 10,
        "random_state": None,
        "refit": True,
        "return_train_score": False,
        "scoring": None,
        "study": None,
        "subsample": 1.0,
        "timeout": None,
        "verbose": 0,
        "callbacks": None,
        "catch": (),
    }


def test_clone_and_get_set_params_round_trip() -> None:
    study = hpo.create_study(direction="maximize")
    search = OptunaSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": LOG_C},
        cv=4,
        n_trials=3,
        study=study,
        subsample=0.5,
        catch=(ValueError,),
    )
    params = search.get_params(deep=False)
    assert params["n_jobs"] is None and params["catch"] == (ValueError,)
    assert params["param_distributions"] == {"svc__C": LOG_C}

    cloned = clone(search)
    cloned_params = cloned.get_params(deep=False)
    assert set(cloned_params) == set(params)
    assert cloned_params["param_distributions"] == params["param_distributions"]
    assert cloned_params["estimator"] is not params["estimator"]
    assert cloned_params["study"].study_name == study.study_name

    other = OptunaSearchCV(SVC(), {"C": LOG_C}).set_params(**params)
    assert other.get_params(deep=False) == params
    search.set_params(estimator__svc__kernel="linear", n_trials=5)
    assert search.estimator.named_steps["svc"].kernel == "linear"
    assert search.n_trials == 5


def test_scikit_learn_estimator_checks() -> None:
    from sklearn.utils.estimator_checks import check_estimator

    if "expected_failed_checks" not in inspect.signature(check_estimator).parameters:
        pytest.skip("check_estimator(expected_failed_checks=...) needs scikit-learn >= 1.6")
    search = OptunaSearchCV(RidgeClassifier(), {"alpha": LOG_C}, cv=2, n_trials=2, random_state=0)
    expected = {
        "check_non_transformer_estimators_n_iter": "max_iter is the partial_fit budget",
        "check_dtype_object": "no trial completes, so refit reports that instead",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(search, expected_failed_checks=expected, on_fail=None)
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert failed == {}
    assert sum(r["status"] == "passed" for r in results) > 40


def test_not_fitted_yet() -> None:
    search = svc_search()
    with pytest.raises(NotFittedError):
        _ = search.best_params_
    with pytest.raises(NotFittedError):
        _ = search.cv_results_
    with pytest.raises(NotFittedError):
        search.predict(np.zeros((1, 4)))
    assert hasattr(search, "predict") and not hasattr(search, "predict_proba")


# --- search results -----------------------------------------------------------------------------


def test_finds_a_good_c(binary: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = binary
    search = svc_search(n_trials=10).fit(X, y)
    means = search.cv_results_["mean_test_score"]
    assert search.best_score_ == np.max(means)
    assert search.best_score_ > 0.9
    assert search.best_score_ > np.min(means) + 0.2  # a tiny C predicts one class
    assert search.best_params_ == search.cv_results_["params"][int(np.argmax(means))]
    assert search.best_estimator_.C == search.best_params_["C"]
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))
    np.testing.assert_allclose(
        search.decision_function(X), search.best_estimator_.decision_function(X)
    )
    assert not hasattr(search, "predict_proba")  # SVC(probability=False) has none
    np.testing.assert_array_equal(search.classes_, [0, 1])
    assert search.score(X, y) == search.best_estimator_.score(X, y)
    assert search.n_features_in_ == 10 and search.refit_time_ >= 0.0
    assert search.best_trial_.number == search.best_index_
    assert search.n_trials_ == len(search.trials_) == 10


def test_cv_results_shape_and_keys(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(
        SVC(),
        {"C": LOG_C, "kernel": CategoricalDistribution(["linear", "rbf"])},
        cv=3,
        n_trials=5,
        return_train_score=True,
        random_state=0,
    )
    search.fit(X, y)
    results = search.cv_results_
    splits = {f"split{i}_{kind}_score" for i in range(3) for kind in ("test", "train")}
    stats = {
        f"{s}_{k}" for s in ("mean", "std") for k in ("test_score", "train_score", "fit_time")
    } | {"mean_score_time", "std_score_time"}
    assert set(results) == splits | stats | {"param_C", "param_kernel", "params", "state"}
    assert all(len(values) == 5 for values in results.values())
    assert search.n_splits_ == 3
    split_scores = np.column_stack([results[f"split{i}_test_score"] for i in range(3)])
    np.testing.assert_allclose(results["mean_test_score"], split_scores.mean(axis=1))
    np.testing.assert_allclose(results["std_test_score"], split_scores.std(axis=1))
    assert np.all((split_scores > 0.0) & (split_scores <= 1.0))
    assert [p["kernel"] for p in results["params"]] == list(results["param_kernel"])
    assert list(results["state"]) == ["COMPLETE"] * 5
    assert results["mean_test_score"][search.best_index_] == search.best_score_


def test_refit_false(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = svc_search(refit=False, n_trials=4).fit(X, y)
    assert not hasattr(search, "best_estimator_") and not hasattr(search, "refit_time_")
    assert not hasattr(search, "predict")
    with pytest.raises(AttributeError, match="no attribute 'predict'") as info:
        search.predict(X)
    assert "refit=False" in str(info.value.__cause__)
    with pytest.raises(AttributeError, match="refit=False"):
        search.score(X, y)
    assert set(search.best_params_) == {"C"}
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])


def test_unsupervised_transform_delegation(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = iris
    search = OptunaSearchCV(
        PCA(), {"n_components": IntDistribution(1, 4)}, cv=3, n_trials=4, random_state=0
    )
    search.fit(X)
    pca = search.best_estimator_
    assert pca.n_components == search.best_params_["n_components"]
    np.testing.assert_allclose(search.transform(X), pca.transform(X))
    np.testing.assert_allclose(
        search.inverse_transform(search.transform(X)), pca.inverse_transform(pca.transform(X))
    )
    np.testing.assert_allclose(search.score_samples(X), pca.score_samples(X))
    assert not hasattr(search, "predict")


def test_multimetric_scoring_optimises_the_refit_metric(
    binary: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = binary
    search = OptunaSearchCV(
        LogisticRegression(),
        {"C": FloatDistribution(1e-3, 10.0, log=True)},
        cv=3,
        n_trials=4,
        scoring={"acc": "accuracy", "auc": "roc_auc"},
        refit="auc",
        random_state=0,
    ).fit(X, y)
    results = search.cv_results_
    assert search.multimetric_ and set(search.scorer_) == {"acc", "auc"}
    assert {"mean_test_acc", "mean_test_auc", "split2_test_auc"} <= set(results)
    assert "mean_test_score" not in results
    assert search.best_score_ == pytest.approx(max(results["mean_test_auc"]))
    assert search.score(X, y) == pytest.approx(search.scorer_["auc"](search.best_estimator_, X, y))
    best = search.best_estimator_
    np.testing.assert_allclose(search.predict_proba(X), best.predict_proba(X))
    np.testing.assert_allclose(search.predict_log_proba(X), best.predict_log_proba(X))


# --- pruning ------------------------------------------------------------------------------------


def test_pruning_with_sgd_prunes_trials(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    search = OptunaSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": FloatDistribution(1e-5, 1e2, log=True)},
        cv=3,
        enable_pruning=True,
        max_iter=6,
        n_trials=14,
        study=pruning_study(),
        random_state=0,
    ).fit(X, y)
    assert search.study_ is search.study
    trials = search.trials_
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert pruned and complete
    for trial in complete:
        assert sorted(trial.intermediate_values) == list(range(6))
        assert trial.value == pytest.approx(trial.intermediate_values[5])
        assert trial.value == pytest.approx(trial.user_attrs["mean_test_score"])
    for trial in pruned:
        last = max(trial.intermediate_values)
        assert last < 5
        assert trial.user_attrs["mean_test_score"] == pytest.approx(
            trial.intermediate_values[last]
        )
    assert list(search.cv_results_["state"]).count("PRUNED") == len(pruned)
    assert search.best_trial_.state == TrialState.COMPLETE


def test_pruning_passes_classes_and_splits_sample_weight(
    iris: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = iris
    weights = np.linspace(0.5, 1.5, len(y))
    search = OptunaSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": FloatDistribution(1e-4, 1e-1, log=True)},
        cv=3,
        enable_pruning=True,
        max_iter=3,
        n_trials=2,
        error_score="raise",
        random_state=0,
    )
    # A sample_weight not split with the folds makes partial_fit raise.
    search.fit(X, y, sample_weight=weights)
    assert all(sorted(t.intermediate_values) == [0, 1, 2] for t in search.trials_)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])


def test_pruning_needs_partial_fit() -> None:
    with pytest.raises(ValueError, match="enable_pruning.*SVC has none"):
        svc_search(enable_pruning=True).fit(*load_iris(return_X_y=True))


# --- reproducibility, subsampling, studies ------------------------------------------------------


def test_reproducible_with_random_state(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris

    def run(seed: int) -> tuple[list[float], np.ndarray]:
        search = svc_search(random_state=seed, n_trials=6, subsample=0.6, refit=False).fit(X, y)
        return [p["C"] for p in search.cv_results_["params"]], search.sample_indices_

    first, again, other = run(0), run(0), run(1)
    assert first[0] == again[0]
    np.testing.assert_array_equal(first[1], again[1])
    assert first[0] != other[0]
    assert not np.array_equal(first[1], other[1])


def test_subsample_searches_on_part_and_refits_on_all(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = svc_search(subsample=60, n_trials=3).fit(X, y)
    assert search.sample_size_ == 60
    indices = search.sample_indices_
    assert len(np.unique(indices)) == 60 and np.all(np.diff(indices) > 0)
    assert search.best_estimator_.shape_fit_ == X.shape
    assert svc_search(subsample=0.5, n_trials=2).fit(X, y).sample_size_ == 75


def test_user_study_callbacks_catch_and_user_attrs(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    study = hpo.create_study(direction="maximize", sampler=hpo.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("C", 1e-4, 1e3, log=True) * 0, n_trials=2)
    seen: list[int] = []
    search = svc_search(
        study=study, n_trials=3, n_jobs=2, callbacks=[lambda s, t: seen.append(t.number)]
    )
    search.fit(X, y)
    assert search.study_ is study and len(study.trials) == 5
    assert sorted(seen) == [2, 3, 4]
    # Rows of cv_results_ follow the study's trials, old ones included.
    assert np.isnan(search.cv_results_["mean_test_score"][:2]).all()
    assert search.best_index_ >= 2
    search.set_user_attr("dataset", "iris")
    assert search.user_attrs_ == {"dataset": "iris"} == study.user_attrs


class _FailsForLargeC(ClassifierMixin, BaseEstimator):
    def __init__(self, C: float = 1.0) -> None:
        self.C = C

    def fit(self, X: Any, y: Any) -> _FailsForLargeC:
        if self.C > 1.0:
            raise RuntimeError(f"C={self.C} is too large")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return np.full(len(X), self.classes_[0])


def test_error_score_numeric_records_failed_folds(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    search = OptunaSearchCV(
        _FailsForLargeC(),
        {"C": FloatDistribution(0.01, 100.0, log=True)},
        cv=3,
        n_trials=8,
        error_score=-1.0,
        random_state=0,
    )
    with pytest.warns(FitFailedWarning, match="too large"):
        search.fit(X, y)
    results = search.cv_results_
    failed = np.array([p["C"] > 1.0 for p in results["params"]])
    assert failed.any() and (~failed).any()
    np.testing.assert_array_equal(results["mean_test_score"][failed], -1.0)
    assert np.all(results["mean_test_score"][~failed] > 0.0)
    assert search.best_params_["C"] <= 1.0


def test_error_score_raise_and_all_failed(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    always = {"C": FloatDistribution(2.0, 10.0)}
    with pytest.raises(RuntimeError, match="too large"):
        OptunaSearchCV(_FailsForLargeC(), always, error_score="raise", n_trials=2).fit(X, y)
    with pytest.warns(FitFailedWarning):
        with pytest.raises(
            ValueError, match=r"(?s)All the 6 fold fits.*RuntimeError: C=.* too large"
        ):
            OptunaSearchCV(_FailsForLargeC(), always, cv=3, n_trials=2).fit(X, y)


def test_groups_reach_the_splitter(iris: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = iris
    groups = np.arange(len(y)) % 4
    search = svc_search(cv=LeaveOneGroupOut(), n_trials=2).fit(X, y, groups=groups)
    assert search.n_splits_ == 4
    assert "split3_test_score" in search.cv_results_


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"subsample": 0}, r"'subsample'.*float in \(0, 1\] or an int >= 1. Got 0 "),
        ({"subsample": 1.5}, r"'subsample'.*Got 1.5 "),
        ({"subsample": True}, r"'subsample'.*Got True "),
        ({"max_iter": 0}, r"'max_iter'.*int >= 1. Got 0 "),
        ({"n_trials": 0}, r"'n_trials'.*None or an int >= 1. Got 0 "),
        ({"n_jobs": -2}, r"'n_jobs'.*Got -2 "),
        ({"error_score": "ignore"}, r"'error_score'.*'raise' or a number.*Got 'ignore' "),
        ({"timeout": -1.0}, r"'timeout'.*Got -1.0 "),
        ({"random_state": "zero"}, r"'random_state'.*Got 'zero' "),
        ({"enable_pruning": "yes"}, r"'enable_pruning'.*a bool. Got 'yes' "),
        ({"refit": "accuracy"}, r"'refit'.*bool when 'scoring' names a single metric"),
        ({"catch": [1]}, r"'catch'.*exception class.*Got \[1\] "),
        ({"callbacks": [1]}, r"'callbacks'.*callables.*Got \[1\] "),
        ({"scoring": ["accuracy", "f1_macro"]}, r"'refit'.*one of \['accuracy', 'f1_macro'\]"),
        ({"study": "study"}, r"'study'.*hpo.Study. Got 'study' "),
    ],
)
def test_invalid_parameters(
    iris: tuple[np.ndarray, np.ndarray], kwargs: dict[str, Any], match: str
) -> None:
    search = svc_search(**kwargs)  # the constructor stores values as given
    assert search.get_params()[next(iter(kwargs))] is kwargs[next(iter(kwargs))]
    with pytest.raises(ValueError, match=match) as info:
        search.fit(*iris)
    assert isinstance(info.value, TypeError)  # InvalidParameterError is both, as in sklearn


@pytest.mark.parametrize(
    ("distributions", "match"),
    [
        ({"C": [0.1, 1.0]}, r"hpo distributions.*Got \[0.1, 1.0\] for 'C'"),
        ({"D": LOG_C}, r"names 'D', which is not a parameter of SVC.*'C'"),
        ([("C", LOG_C)], r"'param_distributions'.*dict.*Got \[\('C'"),
    ],
)
def test_invalid_param_distributions(
    iris: tuple[np.ndarray, np.ndarray], distributions: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        OptunaSearchCV(SVC(), distributions).fit(*iris)


def test_study_must_maximize(iris: tuple[np.ndarray, np.ndarray]) -> None:
    for study in (hpo.create_study(), hpo.create_study(directions=["maximize", "maximize"])):
        with pytest.raises(ValueError, match=r"'study'.*direction='maximize'.*Got study"):
            svc_search(study=study).fit(*iris)


def test_verbose_logs_progress_and_restores_level(iris: tuple[np.ndarray, np.ndarray]) -> None:
    import logging

    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(level=logging.DEBUG)
    logger = logging.getLogger("hpo")
    logger.addHandler(handler)
    try:
        svc_search(n_trials=2).fit(*iris)
        assert not any("Searching" in m for m in messages)
        svc_search(n_trials=2, verbose=1).fit(*iris)
    finally:
        logger.removeHandler(handler)
    assert "Searching the best hyperparameters using 150 samples..." in messages
    assert any(m.startswith("Refitting the estimator using 150 samples") for m in messages)
    assert logging.getLogger("hpo.integration._sklearn").level == logging.NOTSET
