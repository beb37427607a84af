"""``hpo`` prints what Optuna 5.0's ``optuna`` command prints, for the same studies.

A journal file is read by both libraries, so the listings of one Optuna-made study are compared
byte for byte. For SQLite (whose schemas differ) twin databases get the same trials, and a
scripted ask/tell session runs against each.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from tests.cli.conftest import Run

optuna = pytest.importorskip("optuna")

FORMATS = ("value", "json", "table", "yaml")

# Runs Optuna's CLI once per command line in one process (importing optuna is slow) and prints
# [[exit code, stdout], ...]. An uncaught exception is exit code 1, as for the real command.
_OPTUNA_RUNNER = """
import contextlib, io, json, sys
import optuna.cli
header = list(optuna.cli._Studies._study_list_header)
results = []
for argv in json.loads(sys.stdin.read()):
    # Optuna's `studies` appends to this class-level list; reset it as a fresh process would.
    optuna.cli._Studies._study_list_header = list(header)
    sys.argv = ["optuna", *argv]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            code = optuna.cli.main()
        except SystemExit as e:
            code = e.code
        except Exception:
            code = 1
    results.append([code, out.getvalue()])
sys.stdout.write(json.dumps(results))
"""


def run_optuna(command_lines: list[list[str]]) -> list[tuple[int, str]]:
    done = subprocess.run(
        [sys.executable, "-c", _OPTUNA_RUNNER],
        input=json.dumps(command_lines),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [(code, out) for code, out in json.loads(done.stdout)]


def run_hpo(cli: Run, command_lines: list[list[str]]) -> list[tuple[int, str]]:
    results = []
    for argv in command_lines:
        result = cli(*argv)
        results.append((result.code, result.out))
    return results


def _fill_journal(path: str) -> None:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = JournalStorage(JournalFileBackend(path))
    study = optuna.create_study(storage=storage, study_name="so")
    study.set_user_attr("owner", "me")

    def objective(trial: Any) -> float:
        x = trial.suggest_float("x", -1, 1)
        choice = trial.suggest_categorical("c", ["a", "b", None])
        n = trial.suggest_int("n", 1, 5)
        trial.set_user_attr("tag", f"t{trial.number}")
        if trial.number == 2:
            raise optuna.TrialPruned()
        if trial.number == 3:
            raise RuntimeError("fails on purpose")
        return x * x + n + (choice is None)

    study.optimize(objective, n_trials=6, catch=(RuntimeError,))
    study.ask()

    mo = optuna.create_study(storage=storage, study_name="mo", directions=["minimize", "maximize"])
    mo.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_float("y", 0, 1) ** 2), 5)
    mo.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL))

    named = optuna.create_study(storage=storage, study_name="named", directions=["minimize"] * 2)
    named.set_metric_names(["loss", "cost"])
    named.optimize(lambda t: (t.suggest_float("x", 0, 1), t.suggest_int("k", 0, 3)), 3)

    tie = optuna.create_study(storage=storage, study_name="tie", direction="maximize")
    for value in (1.0, 2.0, 2.0):
        tie.add_trial(optuna.trial.create_trial(value=value, user_attrs={"v": [value, None]}))

    optuna.create_study(storage=storage, study_name="empty")


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("parity") / "journal.log")
    with pytest.warns(optuna.exceptions.ExperimentalWarning):  # set_metric_names
        _fill_journal(path)
    return path


def _listing_commands(storage: str) -> list[list[str]]:
    lines = [["study-names", "--storage", storage, "-f", f] for f in FORMATS]
    for flatten in ([], ["--flatten"]):
        for f in FORMATS:
            lines.append(["studies", "--storage", storage, "-f", f, *flatten])
            for name in ("so", "mo", "named", "tie", "empty"):
                for command in ("trials", "best-trials", "best-trial"):
                    lines.append([command, "--storage", storage, "--study-name", name, "-f", f])
                    lines[-1] += flatten
    lines.append(["studies", "--storage", storage])  # the default formats
    lines.append(["trials", "--storage", storage, "--study-name", "so"])
    lines.append(["study-names", "--storage", storage])
    return lines


def test_listings_of_an_optuna_journal_match_optuna(cli: Run, journal: str) -> None:
    pytest.importorskip("yaml")
    lines = _listing_commands(journal)
    expected = run_optuna(lines)
    actual = run_hpo(cli, lines)
    mismatches = [
        f"{' '.join(argv[:1] + argv[3:])}:\n--- optuna {want}\n+++ hpo {got}"
        for argv, want, got in zip(lines, expected, actual)
        if want != got
    ]
    assert not mismatches, "\n".join(mismatches[:5])
    # The comparison covered successes and failures alike.
    codes = {code for code, _ in expected}
    assert codes == {0, 1}


def _fill_twin(lib: ModuleType, url: str) -> None:
    """The same studies, trial by trial with fixed times, through ``lib`` (optuna or hpo)."""
    lib.logging.set_verbosity(lib.logging.ERROR)
    dists = lib.distributions
    space = {
        "lr": dists.FloatDistribution(1e-4, 1.0, log=True),
        "layers": dists.IntDistribution(1, 4),
        "act": dists.CategoricalDistribution(["relu", "tanh"]),
    }
    start = datetime.datetime(2024, 3, 1, 12, 0, 0)
    study = lib.create_study(storage=url, study_name="twin")
    study.set_user_attr("team", "x")
    rows = [
        (lib.trial.TrialState.COMPLETE, 0.5, {"lr": 0.01, "layers": 2, "act": "relu"}),
        (lib.trial.TrialState.COMPLETE, 0.25, {"lr": 0.1, "layers": 3, "act": "tanh"}),
        (lib.trial.TrialState.PRUNED, None, {"lr": 0.5, "layers": 1, "act": "relu"}),
        (lib.trial.TrialState.FAIL, None, {"lr": 0.001}),
    ]
    for number, (state, value, params) in enumerate(rows):
        study.add_trial(
            lib.trial.FrozenTrial(
                number=number,
                state=state,
                value=value,
                datetime_start=start + datetime.timedelta(minutes=number),
                datetime_complete=start + datetime.timedelta(minutes=number, seconds=30.5),
                params=params,
                distributions={k: space[k] for k in params},
                user_attrs={"fold": number % 2},
                system_attrs={},
                intermediate_values={},
                trial_id=number,
            )
        )
    lib.create_study(storage=url, study_name="pair", directions=["maximize", "minimize"])


def test_listings_of_twin_sqlite_studies_match_optuna(cli: Run, tmp_path) -> None:
    import hpo

    optuna_url = f"sqlite:///{tmp_path}/optuna.db"
    hpo_url = f"sqlite:///{tmp_path}/hpo.db"
    _fill_twin(optuna, optuna_url)
    _fill_twin(hpo, hpo_url)

    def lines(url: str) -> list[list[str]]:
        out = []
        for f in ("json", "table", "value"):
            out.append(["studies", "--storage", url, "-f", f])
            for command in ("trials", "best-trial", "best-trials"):
                out.append([command, "--storage", url, "--study-name", "twin", "-f", f])
                out.append(out[-1] + ["--flatten"])
        return out

    assert run_hpo(cli, lines(hpo_url)) == run_optuna(lines(optuna_url))


def _session(storage: str) -> list[list[str]]:
    space = json.dumps(
        {
            "x": {"name": "FloatDistribution", "attributes": {"low": -1.0, "high": 1.0}},
            "k": {"name": "IntDistribution", "attributes": {"low": 1, "high": 9, "step": 2}},
            "c": {"name": "CategoricalDistribution", "attributes": {"choices": ["p", "q"]}},
        }
    )
    s = ["--storage", storage]
    ask = ["ask", *s, "--study-name", "s", "--search-space", space]
    tell = ["tell", *s, "--study-name", "s", "--trial-number"]
    return [
        ["create-study", *s, "--study-name", "s"],
        ["create-study", *s, "--study-name", "s"],
        ["create-study", *s, "--study-name", "s", "--skip-if-exists"],
        ["create-study", *s, "--study-name", "m", "--directions", "minimize", "maximize"],
        [
            "create-study",
            *s,
            "--study-name",
            "bad",
            "--direction",
            "minimize",
            "--directions",
            "minimize",
        ],
        ["study", "set-user-attr", *s, "--study-name", "s", "--key", "k", "--value", "v"],
        ask,
        [*ask, "--flatten"],
        [*ask, "-f", "table", "--flatten"],
        [*ask, "--sampler", "RandomSampler", "--sampler-kwargs", '{"seed": 3}', "-f", "yaml"],
        ["ask", *s, "--study-name", "s"],
        ["ask", *s, "--study-name", "s", "--flatten"],
        ["ask", *s, "--study-name", "nope"],
        ["ask", *s, "--study-name", "s", "--sampler-kwargs", "{}"],
        [*tell, "0", "--values", "1.5"],
        [*tell, "0", "--values", "1.5"],
        [*tell, "0", "--values", "2.5", "--skip-if-finished"],
        [*tell, "1", "--state", "pruned"],
        [*tell, "2", "--state", "fail"],
        [*tell, "3", "--values", "0.5", "--state", "complete"],
        [*tell, "99", "--values", "1"],
        ["ask", *s, "--study-name", "m"],
        ["tell", *s, "--study-name", "m", "--trial-number", "0", "--values", "1", "2"],
        ["delete-study", *s, "--study-name", "nope"],
        ["delete-study", *s, "--study-name", "m"],
        ["study-names", *s, "-f", "json"],
        ["studies", *s, "-f", "json"],
        ["trials", *s, "--study-name", "s", "-f", "json"],
        ["best-trial", *s, "--study-name", "s", "-f", "json", "--flatten"],
    ]


_VOLATILE = ("datetime_start", "datetime_complete", "duration")


def _comparable(out: str) -> Any:
    """JSON output without times and sampled numbers; other output as printed."""
    try:
        parsed = json.loads(out)
    except json.JSONDecodeError:
        return out

    def scrub(value: Any, key: str = "") -> Any:
        if isinstance(value, list):
            return [scrub(v) for v in value]
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items()}
        if key in _VOLATILE and value is not None:
            return "<time>"
        if key in ("x", "params_x", "k", "params_k", "c", "params_c"):
            return "<sampled>"
        return value

    return scrub(parsed)


def test_an_ask_tell_session_behaves_like_optuna(cli: Run, tmp_path) -> None:
    pytest.importorskip("yaml")
    expected = run_optuna(_session(f"sqlite:///{tmp_path}/optuna.db"))
    actual = run_hpo(cli, _session(f"sqlite:///{tmp_path}/hpo.db"))
    normalize: Callable[[tuple[int, str]], tuple[int, Any]] = lambda r: (r[0], _comparable(r[1]))
    for argv, want, got in zip(_session("URL"), expected, actual):
        if "yaml" in argv or "table" in argv:
            # Sampled numbers differ between the libraries; the layout must not.
            assert got[0] == want[0], argv
            assert len(got[1].splitlines()) == len(want[1].splitlines()), argv
            continue
        assert normalize(got) == normalize(want), argv
