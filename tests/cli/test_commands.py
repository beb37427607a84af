"""The study, listing and storage commands and the global options of ``hpo``."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

import hpo
from hpo.distributions import CategoricalDistribution, FloatDistribution
from hpo.trial import TrialState, create_trial
from tests.cli.conftest import Run

DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _study_with_trials(url: str) -> hpo.Study:
    """so: values 3.0 (x=1), pruned, 0.5 (x=-0.5, tagged), one running trial."""
    study = hpo.create_study(storage=url, study_name="so")
    dists = {"x": FloatDistribution(-2, 2), "c": CategoricalDistribution(["a", "b"])}
    study.add_trial(create_trial(params={"x": 1.0, "c": "a"}, distributions=dists, value=3.0))
    study.add_trial(
        create_trial(params={"x": 0.0, "c": "b"}, distributions=dists, state=TrialState.PRUNED)
    )
    study.add_trial(
        create_trial(
            params={"x": -0.5, "c": "b"}, distributions=dists, value=0.5, user_attrs={"tag": "t"}
        )
    )
    study.ask()
    return study


# --- create-study, delete-study, study set-user-attr ------------------------------------------


def test_create_study_prints_the_name_and_a_duplicate_fails(cli: Run, url: str) -> None:
    result = cli("create-study", "--storage", url, "--study-name", "s", "--direction", "maximize")
    assert (result.code, result.out) == (0, "s\n")
    assert hpo.load_study(study_name="s", storage=url).direction.name == "MAXIMIZE"

    duplicate = cli("create-study", "--storage", url, "--study-name", "s")
    assert duplicate.code == 1 and duplicate.out == ""
    assert duplicate.err.count("\n") == 1 and "--skip-if-exists" in duplicate.err

    again = cli("create-study", "--storage", url, "--study-name", "s", "--skip-if-exists")
    assert (again.code, again.out) == (0, "s\n")


def test_create_study_generates_a_name_and_takes_several_directions(cli: Run, url: str) -> None:
    result = cli("create-study", "--storage", url, "--directions", "minimize", "maximize")
    assert result.code == 0
    name = result.out.strip()
    assert hpo.get_all_study_names(url) == [name]
    study = hpo.load_study(study_name=name, storage=url)
    assert [d.name for d in study.directions] == ["MINIMIZE", "MAXIMIZE"]


def test_create_study_rejects_direction_with_directions(cli: Run, url: str) -> None:
    result = cli(
        "create-study", "--storage", url, "--direction", "minimize", "--directions", "minimize"
    )
    assert result.code == 1 and "direction" in result.err
    assert hpo.get_all_study_names(url) == []


def test_delete_study(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="a")
    hpo.create_study(storage=url, study_name="b")
    assert cli("delete-study", "--storage", url, "--study-name", "a").code == 0
    assert hpo.get_all_study_names(url) == ["b"]

    unknown = cli("delete-study", "--storage", url, "--study-name", "a")
    assert unknown.code == 1 and "'a'" in unknown.err and unknown.err.count("\n") == 1
    nameless = cli("delete-study", "--storage", url)
    assert nameless.code == 1 and "--study-name" in nameless.err
    assert hpo.get_all_study_names(url) == ["b"]


def test_study_set_user_attr_stores_the_value_as_a_string(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    result = cli("study", "set-user-attr", "--storage", url, "--study-name", "s", "-k", "n")
    assert result.code == 2  # --value is required
    args = ("--storage", url, "--study-name", "s", "--key", "n", "--value", "3")
    assert cli("study", "set-user-attr", *args).code == 0
    assert hpo.load_study(study_name="s", storage=url).user_attrs == {"n": "3"}
    missing = cli(
        "study", "set-user-attr", "--storage", url, "--study-name", "t", "-k", "a", "--value", "b"
    )
    assert missing.code == 1 and "'t'" in missing.err


# --- study-names, studies ---------------------------------------------------------------------


def test_study_names_defaults_to_one_name_per_line(cli: Run, url: str) -> None:
    for name in ("b", "a"):
        hpo.create_study(storage=url, study_name=name)
    assert cli("study-names", "--storage", url).out == "b\na\n"
    as_json = json.loads(cli("study-names", "--storage", url, "-f", "json").out)
    assert as_json == [{"name": "b"}, {"name": "a"}]


def test_studies_lists_directions_trials_and_user_attrs(cli: Run, url: str) -> None:
    _study_with_trials(url)
    hpo.create_study(storage=url, study_name="mo", directions=["minimize", "maximize"])
    rows = json.loads(cli("studies", "--storage", url, "-f", "json").out)
    assert [sorted(r) for r in rows] == [["datetime_start", "direction", "n_trials", "name"]] * 2
    so, mo = rows
    assert (so["name"], so["direction"], so["n_trials"]) == ("so", ["MINIMIZE"], 4)
    assert DATETIME.match(so["datetime_start"])
    assert (mo["direction"], mo["n_trials"], mo["datetime_start"]) == (
        ["MINIMIZE", "MAXIMIZE"],
        0,
        None,
    )

    hpo.load_study(study_name="mo", storage=url).set_user_attr("owner", "me")
    flat = json.loads(cli("studies", "--storage", url, "-f", "json", "--flatten").out)
    assert flat[0]["user_attrs"] == {} and flat[1]["user_attrs"] == {"owner": "me"}
    assert (flat[0]["direction_0"], "direction_1" in flat[0]) == ("MINIMIZE", False)
    assert (flat[1]["direction_0"], flat[1]["direction_1"]) == ("MINIMIZE", "MAXIMIZE")

    table = cli("studies", "--storage", url).out.splitlines()
    assert re.split(r"\s*\|\s*", table[1].strip("| ")) == [
        "name",
        "direction",
        "n_trials",
        "datetime_start",
        "user_attrs",
    ]
    assert len(table) == 6 and "('MINIMIZE', 'MAXIMIZE')" in table[4]


# --- trials, best-trial, best-trials ----------------------------------------------------------


def test_trials_json(cli: Run, url: str) -> None:
    _study_with_trials(url)
    rows = json.loads(cli("trials", "--storage", url, "--study-name", "so", "-f", "json").out)
    assert list(rows[0]) == [
        "number",
        "value",
        "datetime_start",
        "datetime_complete",
        "duration",
        "params",
        "user_attrs",
        "state",
    ]
    assert [(r["number"], r["value"], r["state"]) for r in rows] == [
        (0, 3.0, "COMPLETE"),
        (1, None, "PRUNED"),
        (2, 0.5, "COMPLETE"),
        (3, None, "RUNNING"),
    ]
    assert [r["params"] for r in rows] == [
        {"c": "a", "x": 1.0},
        {"c": "b", "x": 0.0},
        {"c": "b", "x": -0.5},
        {},
    ]
    assert [r["user_attrs"] for r in rows] == [{}, {}, {"tag": "t"}, {}]
    assert DATETIME.match(rows[0]["datetime_complete"])
    assert re.match(r"^\d+:\d\d:\d\d(\.\d{6})?$", rows[0]["duration"])
    assert (rows[3]["datetime_complete"], rows[3]["duration"]) == (None, None)


def test_trials_flatten_and_table(cli: Run, url: str) -> None:
    _study_with_trials(url)
    args = ("trials", "--storage", url, "--study-name", "so")
    flat = json.loads(cli(*args, "-f", "json", "--flatten").out)
    assert flat[2]["params_x"] == -0.5 and flat[2]["user_attrs_tag"] == "t"
    assert "user_attrs_tag" not in flat[0] and "params_x" not in flat[3]

    table = cli(*args).out.splitlines()
    assert len(table) == 4 + 4  # three rules, header, one line per trial
    assert table[1].split("|")[1:3] == [" number ", " value "]
    header = cli(*args, "--flatten").out.splitlines()[1]
    assert [h.strip() for h in header.strip("|").split("|")][5:8] == [
        "params_c",
        "params_x",
        "user_attrs_tag",
    ]
    values = cli(*args, "-f", "value").out.splitlines()
    assert values[0].startswith("0 3.0 ") and values[0].endswith(" COMPLETE")


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_trials_of_a_multi_objective_study(cli: Run, url: str) -> None:
    study = hpo.create_study(storage=url, study_name="mo", directions=["minimize", "minimize"])
    for values in ([1.0, 3.0], [2.0, 2.0], [3.0, 3.0]):
        study.add_trial(create_trial(values=values))
    study.add_trial(create_trial(state=TrialState.FAIL))
    args = ("--storage", url, "--study-name", "mo", "-f", "json")
    rows = json.loads(cli("trials", *args).out)
    assert [r["values"] for r in rows] == [[1.0, 3.0], [2.0, 2.0], [3.0, 3.0], [None, None]]
    assert "value" not in rows[0] and "params" not in rows[0]
    flat = json.loads(cli("trials", *args, "--flatten").out)
    assert (flat[1]["values_0"], flat[1]["values_1"]) == (2.0, 2.0)

    best = json.loads(cli("best-trials", *args).out)
    assert [r["number"] for r in best] == [0, 1]
    single = cli("best-trial", *args)
    assert single.code == 1 and "best_trials" in single.err

    study.set_metric_names(["loss", "cost"])
    named = json.loads(cli("trials", *args).out)
    assert list(named[0]["values"].items()) == [("loss", 1.0), ("cost", 3.0)]


def test_best_trial_and_best_trials_of_a_single_objective_study(cli: Run, url: str) -> None:
    _study_with_trials(url)
    args = ("--storage", url, "--study-name", "so", "-f", "json")
    best = json.loads(cli("best-trial", *args).out)
    assert isinstance(best, dict) and (best["number"], best["value"]) == (2, 0.5)
    assert best["params"] == {"c": "b", "x": -0.5}
    assert [r["number"] for r in json.loads(cli("best-trials", *args).out)] == [2]

    hpo.create_study(storage=url, study_name="maxi", direction="maximize").add_trial(
        create_trial(value=1.0)
    )
    maxi = json.loads(
        cli("best-trial", "--storage", url, "--study-name", "maxi", "-f", "json").out
    )
    assert maxi["number"] == 0

    hpo.create_study(storage=url, study_name="empty")
    empty = cli("best-trial", "--storage", url, "--study-name", "empty")
    assert empty.code == 1 and empty.out == "" and empty.err.count("\n") == 1


def test_listing_an_unknown_study_fails_with_one_line(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    for command in ("trials", "best-trial", "best-trials"):
        result = cli(command, "--storage", url, "--study-name", "nope")
        assert result.code == 1 and result.out == ""
        assert result.err.startswith("hpo: error: ") and result.err.count("\n") == 1
        assert "'nope'" in result.err


# --- storage upgrade, storage selection -------------------------------------------------------


def test_storage_upgrade_logs_to_stderr_and_respects_quiet(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    result = cli("storage", "upgrade", "--storage", url)
    assert (result.code, result.out) == (0, "") and "up to date" in result.err
    assert cli("storage", "upgrade", "--storage", url, "-q").err == ""
    bad = cli("storage", "upgrade", "--storage", "nodb://x")
    assert bad.code == 1 and "not a database URL" in bad.err


def test_storage_from_the_environment(cli: Run, url: str, tmp_path, monkeypatch) -> None:
    other = f"sqlite:///{tmp_path}/other.db"
    hpo.create_study(storage=url, study_name="in-url")
    hpo.create_study(storage=other, study_name="in-other")

    missing = cli("study-names")
    assert missing.code == 1 and "HPO_STORAGE" in missing.err and missing.err.count("\n") == 1
    monkeypatch.setenv("OPTUNA_STORAGE", other)
    assert cli("study-names").out == "in-other\n"
    monkeypatch.setenv("HPO_STORAGE", url)
    assert cli("study-names").out == "in-url\n"
    assert cli("study-names", "--storage", other).out == "in-other\n"


def test_journal_files(cli: Run, tmp_path) -> None:
    path = str(tmp_path / "journal.log")
    created = cli(
        "create-study",
        "--storage",
        path,
        "--storage-class",
        "JournalFileBackend",
        "--study-name",
        "j",
    )
    assert created.code == 0
    # An existing file is taken for a journal without --storage-class.
    assert cli("study-names", "--storage", path).out == "j\n"
    assert cli("ask", "--storage", path, "--study-name", "j").code == 0
    # The old Optuna name of the backend is accepted too.
    rows = cli(
        "trials",
        "--storage",
        path,
        "--storage-class",
        "JournalFileStorage",
        "--study-name",
        "j",
        "-f",
        "json",
    )
    assert [r["state"] for r in json.loads(rows.out)] == ["RUNNING"]
    unknown = cli("study-names", "--storage", str(tmp_path / "absent.log"))
    assert unknown.code == 1 and "--storage-class" in unknown.err
    assert cli("study-names", "--storage", path, "--storage-class", "Nope").code == 2


@pytest.fixture
def empty_redis_db(redis_url: str) -> str:
    """A Redis database of its own (number 9), empty before and after the test."""
    redis = pytest.importorskip("redis")
    url = redis_url.rsplit("/", 1)[0] + "/9"
    client = redis.Redis.from_url(url)
    if client.dbsize():
        pytest.skip(f"{url} is not empty")
    yield url
    client.flushdb()
    client.close()


@pytest.mark.filterwarnings("ignore::hpo.exceptions.ExperimentalWarning")
def test_redis_is_a_journal_unless_it_holds_an_hpo_redis_storage(
    cli: Run, empty_redis_db: str
) -> None:
    from hpo.storages import JournalStorage, RedisStorage
    from hpo.storages.journal import JournalRedisBackend

    url = empty_redis_db
    assert cli("create-study", "--storage", url, "--study-name", "journal").code == 0
    journal = JournalStorage(JournalRedisBackend(url))
    assert hpo.get_all_study_names(journal) == ["journal"]
    assert hpo.get_all_study_names(RedisStorage(url)) == []

    JournalRedisBackend(url)._redis.flushdb()
    hpo.create_study(storage=RedisStorage(url), study_name="native")
    assert cli("study-names", "--storage", url).out == "native\n"
    flagged = cli("study-names", "--storage", url, "--storage-class", "JournalRedisBackend")
    assert flagged.out == "\n"  # no names: an empty line, as Optuna prints


# --- global options, help, errors -------------------------------------------------------------


def test_global_options_may_come_before_the_command(cli: Run, url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    assert cli("--storage", url, "-q", "study-names").out == "s\n"
    assert cli(f"--storage={url}", "study-names", "-f", "json").out == '[{"name": "s"}]\n'
    # A command word given as the value of --storage is not taken for the command.
    assert cli("--storage", "studies", "study-names").code == 1
    assert cli("--storage", url, "storage", "upgrade").code == 0


def test_verbosity_and_log_file(cli: Run, url: str, tmp_path) -> None:
    log = tmp_path / "hpo.log"
    created = cli("create-study", "--storage", url, "--study-name", "a", "--log-file", str(log))
    assert re.match(r"^\[I \d{4}-.*\] A new study created", created.err)
    assert "A new study created" in log.read_text()
    quiet = cli("create-study", "--storage", url, "--study-name", "b", "-q")
    assert (quiet.out, quiet.err) == ("b\n", "")
    chatty = cli(
        "study",
        "set-user-attr",
        "--storage",
        url,
        "--study-name",
        "b",
        "-k",
        "k",
        "--value",
        "v",
        "-vv",
    )
    assert "'k'" in chatty.err
    assert cli("studies", "--storage", url, "-q", "-v").code == 2  # mutually exclusive
    unwritable = cli("study-names", "--storage", url, "--log-file", str(tmp_path / "no" / "x"))
    assert unwritable.code == 1 and unwritable.err.count("\n") == 1


def test_debug_adds_the_traceback(cli: Run, url: str) -> None:
    plain = cli("trials", "--storage", url, "--study-name", "nope")
    assert plain.err.count("\n") == 1
    debug = cli("trials", "--storage", url, "--study-name", "nope", "--debug")
    assert debug.code == 1 and "Traceback (most recent call last)" in debug.err
    assert debug.err.splitlines()[-1] == plain.err.strip()


def test_help_and_usage_errors(cli: Run) -> None:
    bare = cli()
    assert bare.code == 0 and "create-study" in bare.out and "storage upgrade" in bare.out
    assert cli("help").out == bare.out
    assert cli("--help").code == 0
    assert cli("ask", "--help").code == 0
    assert cli("no-such-command").code == 2
    assert cli("-v").code == 1
    assert cli("--version").out == f"hpo {hpo.__version__}\n"


def test_yaml_output_and_its_missing_package(cli: Run, url: str, monkeypatch) -> None:
    yaml = pytest.importorskip("yaml")
    _study_with_trials(url)
    args = ("trials", "--storage", url, "--study-name", "so")
    assert yaml.safe_load(cli(*args, "-f", "yaml").out) == json.loads(cli(*args, "-f", "json").out)

    monkeypatch.setitem(sys.modules, "yaml", None)
    result = cli("ask", "--storage", url, "--study-name", "so", "-f", "yaml")
    assert result.code == 1 and "PyYAML" in result.err and result.err.count("\n") == 1
    assert len(hpo.load_study(study_name="so", storage=url).trials) == 4  # nothing asked


def test_console_module_and_lazy_import(url: str) -> None:
    hpo.create_study(storage=url, study_name="s")
    run = [sys.executable, "-m", "hpo.cli"]
    done = subprocess.run([*run, "study-names", "--storage", url], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "s\n")
    failed = subprocess.run(
        [*run, "trials", "--storage", url, "--study-name", "x"], capture_output=True, text=True
    )
    assert failed.returncode == 1 and failed.stderr.startswith("hpo: error: ")
    code = "import sys, hpo; print('hpo.cli' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False"
