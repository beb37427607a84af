"""Public names and signatures match Optuna 5.0.0; importing the modules stays light."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys

import pytest

import hpo

optuna = pytest.importorskip("optuna")

MODULES = ["visualization", "visualization.matplotlib", "importance"]


def _public(module_path: str) -> list[str]:
    return list(importlib.import_module(f"optuna.{module_path}").__all__)


def _params(obj) -> list[tuple[str, str, object]]:
    return [(p.name, p.kind.name, p.default) for p in inspect.signature(obj).parameters.values()]


@pytest.mark.parametrize("module_path", MODULES)
def test_exports_optunas_names(module_path: str) -> None:
    ours = importlib.import_module(f"hpo.{module_path}")
    missing = [n for n in _public(module_path) if not hasattr(ours, n)]
    assert missing == []
    assert sorted(set(_public(module_path))) == sorted(ours.__all__)


@pytest.mark.parametrize(
    ("module_path", "name"), [(m, n) for m in MODULES for n in _public(m) if n != "matplotlib"]
)
def test_signature_matches_optuna(module_path: str, name: str) -> None:
    ours = getattr(importlib.import_module(f"hpo.{module_path}"), name)
    theirs = getattr(importlib.import_module(f"optuna.{module_path}"), name)
    assert _params(ours) == _params(theirs)
    if inspect.isclass(theirs):
        for method in ("evaluate",):
            if hasattr(theirs, method):
                assert _params(getattr(ours, method)) == _params(getattr(theirs, method))


def test_lazy_attribute_access() -> None:
    assert hpo.visualization.plot_slice is importlib.import_module("hpo.visualization").plot_slice
    assert hpo.importance.get_param_importances is not None
    assert hpo.visualization.is_available() is True


def test_importing_the_modules_loads_no_plotting_or_learning_library() -> None:
    code = (
        "import hpo, sys, json\n"
        "hpo.visualization.plot_slice; hpo.visualization.matplotlib.plot_slice\n"
        "hpo.importance.get_param_importances; hpo.importance.FanovaImportanceEvaluator\n"
        "heavy = {'plotly', 'matplotlib', 'sklearn', 'scipy', 'pandas'}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
