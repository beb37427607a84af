"""``import hpo`` stays light: heavy optional libraries load only when a feature needs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "scipy",
    "sqlalchemy",
    "alembic",
    "pandas",
    "plotly",
    "matplotlib",
    "cmaes",
    "redis",
    "sklearn",
)


def _loaded_after(code: str) -> list[str]:
    script = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _importers(module: str, code: str) -> str:
    """Who imported ``module`` first (for the failure message)."""
    script = (
        "import builtins, traceback\n"
        "orig = builtins.__import__\n"
        "def spy(name, *a, **k):\n"
        f"    if name.split('.')[0] == {module!r}:\n"
        "        traceback.print_stack(limit=12)\n"
        "        builtins.__import__ = orig\n"
        "    return orig(name, *a, **k)\n"
        "builtins.__import__ = spy\n"
        f"{code}\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    return "\n".join(line for line in out.stderr.splitlines() if "hpo" in line)


@pytest.mark.parametrize(
    "code",
    [
        "import hpo",
        "import hpo; hpo.create_study().optimize(lambda t: t.suggest_float('x', 0, 1), 3)",
        "import hpo.samplers, hpo.pruners, hpo.storages, hpo.distributions, hpo.trial, hpo.study",
    ],
)
def test_import_does_not_load_heavy_libraries(code: str) -> None:
    loaded = _loaded_after(code)
    details = "\n\n".join(f"{m}:\n{_importers(m, code)}" for m in loaded)
    assert loaded == [], f"{code!r} imported {loaded}\n{details}"


def test_lazy_attributes_still_work() -> None:
    loaded = _loaded_after("import hpo; hpo.storages.RDBStorage")
    assert "sqlalchemy" in loaded


def test_public_names() -> None:
    import hpo

    for name in (
        "Study",
        "Trial",
        "TrialPruned",
        "create_study",
        "load_study",
        "delete_study",
        "copy_study",
        "get_all_study_summaries",
        "get_all_study_names",
        "create_trial",
        "distributions",
        "exceptions",
        "logging",
        "pruners",
        "samplers",
        "search_space",
        "storages",
        "study",
        "trial",
        "__version__",
    ):
        assert hasattr(hpo, name), name
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = hpo.no_such_thing  # type: ignore[attr-defined]


def test_probing_lazy_modules_never_raises_import_errors() -> None:
    import hpo

    for name in hpo._LAZY_MODULES:
        # hasattr only swallows AttributeError: a missing optional module must not leak
        # ModuleNotFoundError to code that merely probes the namespace.
        assert isinstance(hasattr(hpo, name), bool)
