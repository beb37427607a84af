"""hpo.artifacts has Optuna's public names, loads lazily, and its docstring examples run."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import hpo

MODULES = [
    "_upload",
    "_list_artifact_meta",
    "_download",
    "_filesystem",
    "_boto3",
    "_gcs",
    "_backoff",
]


def test_module_exports_optunas_names() -> None:
    theirs = pytest.importorskip("optuna.artifacts")

    public = [n for n in dir(theirs) if not n.startswith("_")]
    assert "exceptions" in public
    assert [n for n in public if not hasattr(hpo.artifacts, n)] == []
    assert sorted(hpo.artifacts.__all__) == sorted(theirs.__all__)
    exception_names = [n for n in dir(theirs.exceptions) if not n.startswith("_")]
    assert [n for n in exception_names if not hasattr(hpo.artifacts.exceptions, n)] == []
    assert issubclass(hpo.artifacts.exceptions.ArtifactNotFound, hpo.exceptions.OptunaError)


def test_artifacts_load_on_first_access_only() -> None:
    code = (
        "import sys, hpo\n"
        "before = 'hpo.artifacts' in sys.modules\n"
        "hpo.artifacts.FileSystemArtifactStore\n"
        "print(before, 'hpo.artifacts' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(
    module: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # examples use tempfile.mkdtemp()
    monkeypatch.chdir(tmp_path)
    hpo.logging.set_verbosity(hpo.logging.WARNING)
    try:
        mod = importlib.import_module(f"hpo.artifacts.{module}")
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    finally:
        hpo.logging.set_verbosity(hpo.logging.INFO)
    assert result.attempted > 0
    assert result.failed == 0
