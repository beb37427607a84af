"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _setup_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text().splitlines()
    start = lines.index("```bash") + 1
    end = lines.index("```", start)
    return lines[start:end]


def test_readme_opens_with_exactly_two_setup_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert lines[0].startswith("# ")
    assert lines[2] == "```bash"
    commands = _setup_commands()
    assert len(commands) == 2
    assert "examples/quickstart.py" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _setup_commands()[1].split(" && ", 2)[-1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()
    assert "HPO_REQUIRE_SERVICES=1" in ci


def test_quickstart_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Best value:" in out.stdout
    assert "Trials run: 100" in out.stdout


def test_hpo_version_command() -> None:
    import hpo

    out = subprocess.run(
        [sys.executable, "-m", "hpo.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"hpo {hpo.__version__}"
