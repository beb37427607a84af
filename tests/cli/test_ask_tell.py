"""ask and tell: starting trials with a search space and finishing them from the command line."""

from __future__ import annotations

import json

import pytest

import hpo
from hpo.distributions import IntDistribution
from hpo.trial import TrialState
from tests.cli.conftest import Run

SPACE = {
    "x": {"name": "FloatDistribution", "attributes": {"low": -2.0, "high": 2.0}},
    "n": {"name": "IntDistribution", "attributes": {"low": 1, "high": 8, "log": True}},
    "c": {"name": "CategoricalDistribution", "attributes": {"choices": ["a", "b"]}},
}


def test_ask_suggests_from_the_search_space_and_leaves_the_trial_running(
    cli: Run, url: str
) -> None:
    hpo.create_study(storage=url, study_name="s")
    args = ("ask", "--storage", url, "--study-name", "s", "--search-space", json.dumps(SPACE))
    result = cli(*args)
    assert result.code == 0
    asked = json.loads(result.out)
    assert asked["number"] == 0 and list(asked["params"]) == ["x", "n", "c"]
    assert -2 <= asked["params"]["x"] <= 2 and 1 <= asked["params"]["n"] <= 8
    assert asked["params"]["c"] in ("a", "b")
    (trial,) = hpo.load_study(study_name="s", storage=url).trials
    assert trial.state is TrialState.RUNNING and trial.params == asked["params"]
    assert trial.distributions["n"] == IntDistribution(1, 8, log=True)

    flat = json.loads(cli(*args, "--flatten").out)
    assert flat["number"] == 1 and sorted(flat) == ["number", "params_c", "params_n", "params_x"]
    table = cli(*args, "-f", "table").out.splitlines()
    assert table[1] == f"| number | {'params':<{len(table[1]) - 13}} |"


def test_ask_without_search_space(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    args = ("ask", "--storage", url, "--study-name", "s")
    assert json.loads(cli(*args).out) == {"number": 0, "params": {}}
    assert json.loads(cli(*args, "--flatten").out) == {"number": 1}


def test_ask_with_a_seeded_sampler_repeats_its_suggestions(cli: Run, tmp_path) -> None:
    suggested = []
    for name in ("one", "two"):
        url = f"sqlite:///{tmp_path}/{name}.db"
        hpo.create_study(storage=url, study_name="s")
        out = cli(
            "ask",
            *("--storage", url, "--study-name", "s", "--search-space", json.dumps(SPACE)),
            *("--sampler", "RandomSampler", "--sampler-kwargs", '{"seed": 7}'),
        ).out
        suggested.append(json.loads(out)["params"])
    assert suggested[0] == suggested[1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--search-space", "{bad"], "--search-space is not valid JSON"),
        (["--search-space", "[1]"], "JSON object"),
        (["--search-space", '{"x": {"name": "Nope"}}'], "'x'"),
        (["--sampler-kwargs", "{}"], "--sampler"),
        (["--sampler", "NoSuchSampler"], "NoSuchSampler"),
        (["--sampler", "RandomSampler", "--sampler-kwargs", '{"bad": 1}'], "bad"),
        (["--study-name", "nope"], "'nope'"),
    ],
)
def test_ask_errors_leave_no_trial(cli: Run, url: str, extra: list[str], message: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    args = ["--study-name", "s", *extra] if "--study-name" not in extra else extra
    result = cli("ask", "--storage", url, *args)
    assert result.code == 1 and result.out == ""
    assert message in result.err and result.err.count("\n") == 1
    assert hpo.load_study(study_name="s", storage=url).trials == []


def test_ask_picks_the_only_study_when_no_name_is_given(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="only")
    assert json.loads(cli("ask", "--storage", url).out)["number"] == 0
    hpo.create_study(storage=url, study_name="second")
    result = cli("ask", "--storage", url)
    assert result.code == 1 and "--study-name" in result.err


def test_tell_finishes_trials(cli: Run, url: str) -> None:
    study = hpo.create_study(storage=url, study_name="s")
    for _ in range(4):
        study.ask()
    base = ("tell", "--storage", url, "--study-name", "s", "--trial-number")
    assert cli(*base, "0", "--values", "1.5").code == 0
    assert cli(*base, "1", "--state", "pruned").code == 0
    assert cli(*base, "2", "--state", "fail").code == 0
    with pytest.warns(UserWarning):  # no values and no state: the trial fails
        assert cli(*base, "3").code == 0
    trials = hpo.load_study(study_name="s", storage=url).trials
    assert [(t.state, t.values) for t in trials] == [
        (TrialState.COMPLETE, [1.5]),
        (TrialState.PRUNED, None),
        (TrialState.FAIL, None),
        (TrialState.FAIL, None),
    ]

    again = cli(*base, "0", "--values", "2")
    assert again.code == 1 and again.err.count("\n") == 1
    assert cli(*base, "0", "--values", "2", "--skip-if-finished").code == 0
    assert hpo.load_study(study_name="s", storage=url).trials[0].values == [1.5]
    assert cli(*base, "9", "--values", "1").code == 1
    assert cli("tell", "--storage", url, "--study-name", "s", "--values", "1").code == 1
    assert cli(*base, "0", "--state", "running").code == 2


def test_ask_tell_round_trip_of_a_multi_objective_study(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="mo", directions=["minimize", "maximize"])
    number = json.loads(cli("ask", "--storage", url, "--study-name", "mo").out)["number"]
    tell = ("tell", "--storage", url, "--study-name", "mo", "--trial-number", str(number))
    assert cli(*tell, "--values", "1", "2").code == 0
    assert hpo.load_study(study_name="mo", storage=url).trials[0].values == [1.0, 2.0]
