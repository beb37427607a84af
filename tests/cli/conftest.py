"""Run the ``hpo`` command line in-process and capture what it prints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from hpo.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``cli("trials", "--study-name", "s")`` runs ``hpo trials ...`` and returns its result."""
    monkeypatch.delenv("HPO_STORAGE", raising=False)
    monkeypatch.delenv("OPTUNA_STORAGE", raising=False)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"
