"""Alembic migrations of the RDB schema, the upgrade path through the CLI, and the CLI verbs."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

import hpo
from hpo.cli import main
from hpo.storages import RDBStorage
from hpo.storages._rdb import alembic_helpers
from hpo.storages._rdb._engine import normalize_url
from hpo.storages._rdb.models import ALL_REVISIONS, HEAD_REVISION, INITIAL_REVISION, metadata
from hpo.trial import TrialState
from tests.conftest import MYSQL_URL, POSTGRES_URL, require_service
from tests.storages._rdb_databases import _fresh_database


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A database with no tables at all (a fresh one per test on the servers)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    server = POSTGRES_URL if request.param == "postgresql" else MYSQL_URL
    yield from _fresh_database(require_service(request.param, server))


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(normalize_url(url), poolclass=sa.pool.NullPool)


def test_migrations_ship_as_a_package_and_know_every_revision() -> None:
    import hpo._migrations

    versions = os.path.join(os.path.dirname(hpo._migrations.__file__), "versions")
    assert {f for f in os.listdir(versions) if f[0].isdigit()} == {
        f"{r}.py" for r in ALL_REVISIONS
    }
    assert alembic_helpers.all_revisions() == list(ALL_REVISIONS)
    assert alembic_helpers.head_revision() == HEAD_REVISION


def test_wheel_ships_the_migrations_as_hpo_migrations(tmp_path) -> None:
    import subprocess
    import sys
    import zipfile

    root = os.path.dirname(os.path.dirname(hpo.__file__))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp_path),
            root,
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("hpo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"env.py", "script.py.mako", "alembic.ini", "versions/__init__.py"}
    expected |= {f"versions/{r}.py" for r in ALL_REVISIONS}
    assert {f"hpo/_migrations/{name}" for name in expected} <= names
    assert "hpo/py.typed" in names


def test_models_match_the_head_revision(empty_db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = _engine(empty_db_url)
    alembic_helpers.upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": "hpo_alembic_version"}
        )
        assert compare_metadata(context, metadata) == []
    storage = RDBStorage(empty_db_url)  # opens an alembic-made schema without complaint
    assert storage.get_current_version() == HEAD_REVISION
    engine.dispose()


def _fill_initial_schema(engine: sa.Engine) -> dict[str, object]:
    """Write a study with three trials through the *initial* schema, with raw SQL."""
    now = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)
    dist = json.dumps(
        {
            "name": "FloatDistribution",
            "attributes": {"low": 0.0, "high": 1.0, "log": False, "step": None},
        }
    )
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO hpo_studies (study_name, directions) VALUES ('old', :d)"),
            {"d": json.dumps(["MINIMIZE"])},
        )
        study_id = conn.execute(sa.text("SELECT study_id FROM hpo_studies")).scalar_one()
        conn.execute(
            sa.text("INSERT INTO hpo_study_attrs VALUES (:s, :sys, 'owner', :v)"),
            {"s": study_id, "sys": False, "v": json.dumps("me")},
        )
        for number, state, values in [
            (0, "COMPLETE", "[0.25]"),
            (1, "FAIL", None),
            (2, "WAITING", None),
        ]:
            conn.execute(
                sa.text(
                    "INSERT INTO hpo_trials (study_id, number, state, values_json, "
                    "datetime_start, datetime_complete) VALUES (:s, :n, :st, :v, :a, :b)"
                ),
                {
                    "s": study_id,
                    "n": number,
                    "st": state,
                    "v": values,
                    "a": None if state == "WAITING" else now,
                    "b": now if state in ("COMPLETE", "FAIL") else None,
                },
            )
            trial_id = conn.execute(
                sa.text("SELECT trial_id FROM hpo_trials WHERE number = :n"), {"n": number}
            ).scalar_one()
            conn.execute(
                sa.text("INSERT INTO hpo_trial_params VALUES (:t, 'x', :x, :d)"),
                {"t": trial_id, "x": 0.5 + number / 10, "d": dist},
            )
            conn.execute(
                sa.text("INSERT INTO hpo_trial_attrs VALUES (:t, :sys, 'tag', :v)"),
                {"t": trial_id, "sys": True, "v": json.dumps([number])},
            )
            conn.execute(
                sa.text("INSERT INTO hpo_trial_values VALUES (:t, 3, :v)"),
                {"t": trial_id, "v": "Infinity" if number == 0 else "1.5"},
            )
    return {"now": now}


def test_cli_upgrades_an_initial_revision_database_and_trials_read_back(
    empty_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = _engine(empty_db_url)
    alembic_helpers.upgrade(engine, INITIAL_REVISION)
    facts = _fill_initial_schema(engine)
    with pytest.raises(RuntimeError, match="hpo storage upgrade --storage URL"):
        RDBStorage(empty_db_url)

    assert main(["storage", "upgrade", "--storage", empty_db_url]) == 0
    assert HEAD_REVISION in capsys.readouterr().err  # logged, as Optuna's CLI does

    study = hpo.load_study(study_name="old", storage=empty_db_url)
    trials = study.get_trials()
    assert [(t.number, t.state) for t in trials] == [
        (0, TrialState.COMPLETE),
        (1, TrialState.FAIL),
        (2, TrialState.WAITING),
    ]
    assert trials[0].values == [0.25] and trials[1].values is None
    assert [t.params for t in trials] == [{"x": 0.5}, {"x": 0.6}, {"x": 0.7}]
    assert [t.system_attrs for t in trials] == [{"tag": [0]}, {"tag": [1]}, {"tag": [2]}]
    assert trials[0].intermediate_values == {3: float("inf")}
    assert study.user_attrs == {"owner": "me"}
    expected = facts["now"].replace(tzinfo=datetime.timezone.utc).astimezone()
    assert trials[0].datetime_start == expected.replace(tzinfo=None)
    # The new per-study counter was filled in: the next trial is number 3; the WAITING one runs.
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert study.trials[2].state is TrialState.COMPLETE
    engine.dispose()


def test_cli_study_verbs(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    assert (
        main(["create-study", "--storage", url, "--study-name", "a", "--direction", "maximize"])
        == 0
    )
    assert capsys.readouterr().out.strip() == "a"
    assert main(["create-study", "--storage", url, "--study-name", "a", "--skip-if-exists"]) == 0
    assert main(["create-study", "--storage", url, "--study-name", "b"]) == 0
    capsys.readouterr()
    assert main(["studies", "--storage", url]) == 0
    listing = capsys.readouterr().out
    assert "a" in listing.split() and "MAXIMIZE" in listing and "b" in listing.split()
    assert main(["delete-study", "--storage", url, "--study-name", "b"]) == 0
    assert [s.study_name for s in hpo.get_all_study_summaries(url)] == ["a"]


def test_console_script_reports_an_up_to_date_storage(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/cs.db"
    RDBStorage(url)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from hpo.cli import main; sys.exit(main())",
            "storage",
            "upgrade",
            "--storage",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stderr


def test_cli_upgrade_creates_the_schema_in_an_empty_database(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    assert main(["storage", "upgrade", "--storage", url]) == 0
    assert "Created" in capsys.readouterr().err
    assert RDBStorage(url).get_current_version() == HEAD_REVISION
