"""Public callables take the same parameters as Optuna 5.0.0's (names, kinds, defaults).

Compared live against the installed Optuna; nothing from Optuna is stored here.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from typing import Any

import pytest

import hpo

optuna = pytest.importorskip("optuna")

CALLABLES = [
    "create_study",
    "load_study",
    "delete_study",
    "copy_study",
    "get_all_study_summaries",
    "get_all_study_names",
    "create_trial",
    "Study",
    "Study.optimize",
    "Study.ask",
    "Study.tell",
    "Study.enqueue_trial",
    "Study.add_trial",
    "Study.add_trials",
    "Study.get_trials",
    "Study.trials_dataframe",
    "Study.set_user_attr",
    "Study.set_metric_names",
    "Study.stop",
    "Trial.suggest_float",
    "Trial.suggest_int",
    "Trial.suggest_categorical",
    "Trial.suggest_uniform",
    "Trial.suggest_loguniform",
    "Trial.suggest_discrete_uniform",
    "Trial.report",
    "Trial.should_prune",
    "Trial.set_user_attr",
    "Trial.set_constraint",
    "trial.FrozenTrial",
    "trial.FrozenTrial.suggest_float",
    "trial.FrozenTrial.suggest_int",
    "trial.FrozenTrial.suggest_categorical",
    "trial.FixedTrial",
    "trial.FixedTrial.suggest_float",
    "trial.FixedTrial.suggest_int",
    "trial.FixedTrial.suggest_categorical",
    "trial.create_trial",
    "distributions.FloatDistribution",
    "distributions.IntDistribution",
    "distributions.CategoricalDistribution",
    "distributions.UniformDistribution",
    "distributions.LogUniformDistribution",
    "distributions.DiscreteUniformDistribution",
    "distributions.IntUniformDistribution",
    "distributions.IntLogUniformDistribution",
    "distributions.distribution_to_json",
    "distributions.json_to_distribution",
    "distributions.check_distribution_compatibility",
    "samplers.RandomSampler",
    "samplers.GridSampler",
    "samplers.BruteForceSampler",
    "samplers.PartialFixedSampler",
    "samplers.BaseSampler.infer_relative_search_space",
    "samplers.BaseSampler.sample_relative",
    "samplers.BaseSampler.sample_independent",
    "samplers.BaseSampler.before_trial",
    "samplers.BaseSampler.after_trial",
    "pruners.BasePruner.prune",
    "pruners.NopPruner",
    "search_space.IntersectionSearchSpace",
    "search_space.IntersectionSearchSpace.calculate",
    "search_space.intersection_search_space",
    "study.MaxTrialsCallback",
    "study.StudySummary",
    "storages.InMemoryStorage",
    "logging.set_verbosity",
    "logging.get_verbosity",
    "artifacts.upload_artifact",
    "artifacts.download_artifact",
    "artifacts.get_all_artifact_meta",
    "artifacts.ArtifactMeta",
    "artifacts.FileSystemArtifactStore",
    "artifacts.FileSystemArtifactStore.open_reader",
    "artifacts.FileSystemArtifactStore.write",
    "artifacts.FileSystemArtifactStore.remove",
    "artifacts.Boto3ArtifactStore",
    "artifacts.Boto3ArtifactStore.open_reader",
    "artifacts.Boto3ArtifactStore.write",
    "artifacts.Boto3ArtifactStore.remove",
    "artifacts.GCSArtifactStore",
    "artifacts.GCSArtifactStore.open_reader",
    "artifacts.GCSArtifactStore.write",
    "artifacts.GCSArtifactStore.remove",
    "artifacts.Backoff",
    "artifacts.Backoff.open_reader",
    "artifacts.Backoff.write",
    "artifacts.Backoff.remove",
    "terminator.Terminator",
    "terminator.Terminator.should_terminate",
    "terminator.BaseTerminator",
    "terminator.BaseTerminator.should_terminate",
    "terminator.TerminatorCallback",
    "terminator.TerminatorCallback.__call__",
    "terminator.report_cross_validation_scores",
    "terminator.BaseImprovementEvaluator",
    "terminator.BaseImprovementEvaluator.evaluate",
    "terminator.RegretBoundEvaluator",
    "terminator.RegretBoundEvaluator.evaluate",
    "terminator.BestValueStagnationEvaluator",
    "terminator.BestValueStagnationEvaluator.evaluate",
    "terminator.EMMREvaluator",
    "terminator.EMMREvaluator.evaluate",
    "terminator.BaseErrorEvaluator",
    "terminator.BaseErrorEvaluator.evaluate",
    "terminator.CrossValidationErrorEvaluator",
    "terminator.CrossValidationErrorEvaluator.evaluate",
    "terminator.StaticErrorEvaluator",
    "terminator.StaticErrorEvaluator.evaluate",
    "terminator.MedianErrorEvaluator",
    "terminator.MedianErrorEvaluator.evaluate",
]


def _resolve(module: Any, path: str) -> Any:
    obj = module
    for part in path.split("."):
        if inspect.ismodule(obj) and part not in vars(obj):
            with contextlib.suppress(ModuleNotFoundError):  # a submodule not imported yet
                importlib.import_module(f"{obj.__name__}.{part}")
        obj = getattr(obj, part)
    return obj


def _params(obj: Any) -> list[tuple[str, str, Any]]:
    sig = inspect.signature(obj)
    return [(p.name, p.kind.name, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize("path", CALLABLES)
def test_signature_matches_optuna(path: str) -> None:
    ours = _params(_resolve(hpo, path))
    theirs = _params(_resolve(optuna, path))
    assert [p[:2] for p in ours] == [p[:2] for p in theirs], path
    for (name, _, default), (_, _, expected) in zip(ours, theirs):
        if expected is inspect.Parameter.empty:
            assert default is inspect.Parameter.empty, f"{path}({name}) has a default"
        else:
            assert default == expected, f"{path}({name}) default {default!r} != {expected!r}"


def test_core_modules_export_optunas_names() -> None:
    # Samplers and pruners beyond the core belong to other areas and are checked there.
    modules = ("study", "trial", "distributions", "search_space", "exceptions", "terminator")
    for module_path in modules:
        ours = importlib.import_module(f"hpo.{module_path}")
        theirs = importlib.import_module(f"optuna.{module_path}")
        for name in getattr(theirs, "__all__", []):
            assert hasattr(ours, name), f"hpo.{module_path}.{name} is missing"
    public = [n for n in dir(optuna.Study) if not n.startswith("_")]
    missing = [n for n in public if not hasattr(hpo.Study, n)]
    assert missing == []
