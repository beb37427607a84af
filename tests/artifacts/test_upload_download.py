"""upload_artifact, download_artifact and get_all_artifact_meta on hpo's storages."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hpo
from hpo.artifacts import (
    ArtifactMeta,
    FileSystemArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from hpo.artifacts.exceptions import ArtifactNotFound
from hpo.exceptions import UpdateFinishedTrialError

StorageFactory = Callable[[], Any]


@pytest.fixture(params=["inmemory", "sqlite", "journal"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> StorageFactory:
    """Each call opens the same storage again (a second process would do the same)."""
    if request.param == "inmemory":
        storage = hpo.storages.InMemoryStorage()
        return lambda: storage
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return lambda: hpo.storages.RDBStorage(url)
    path = str(tmp_path / "journal.log")
    return lambda: hpo.storages.JournalStorage(hpo.storages.journal.JournalFileBackend(path))


@pytest.fixture
def store(tmp_path: Path) -> FileSystemArtifactStore:
    (tmp_path / "artifacts").mkdir()
    return FileSystemArtifactStore(tmp_path / "artifacts")


def _file(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def _download(store: Any, artifact_id: str, tmp_path: Path) -> bytes:
    target = tmp_path / f"downloaded-{artifact_id}"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    return target.read_bytes()


def test_trial_artifact_round_trip_through_a_reopened_storage(
    make_storage: StorageFactory, store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    study = hpo.create_study(study_name="s", storage=make_storage())
    path = _file(tmp_path, "model.bin", b"\x00weights\xff")
    uploaded: list[str] = []

    def objective(trial: hpo.Trial) -> float:
        uploaded.append(
            upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)
        )
        assert [m.artifact_id for m in get_all_artifact_meta(trial)] == uploaded[-1:]
        return 0.0

    study.optimize(objective, n_trials=2)
    reopened = hpo.load_study(study_name="s", storage=make_storage())
    for trial, artifact_id in zip(reopened.trials, uploaded):
        metas = get_all_artifact_meta(trial, storage=reopened._storage)
        assert metas == [ArtifactMeta(artifact_id, "model.bin", "application/octet-stream", None)]
        assert _download(store, artifact_id, tmp_path) == b"\x00weights\xff"


def test_study_artifacts_are_listed_apart_from_trial_artifacts(
    make_storage: StorageFactory, store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    study = hpo.create_study(study_name="s", storage=make_storage())
    trial = study.ask()
    trial_id = upload_artifact(
        artifact_store=store, file_path=_file(tmp_path, "t.txt", b"t"), study_or_trial=trial
    )
    study.tell(trial, 1.0)
    study_ids = [
        upload_artifact(
            artifact_store=store,
            file_path=_file(tmp_path, f"s{i}.csv", b"s"),
            study_or_trial=study,
        )
        for i in range(2)
    ]
    reopened = hpo.load_study(study_name="s", storage=make_storage())
    assert sorted(m.artifact_id for m in get_all_artifact_meta(reopened)) == sorted(study_ids)
    assert {m.filename for m in get_all_artifact_meta(reopened)} == {"s0.csv", "s1.csv"}
    frozen = reopened.trials[0]
    assert [m.artifact_id for m in get_all_artifact_meta(frozen, storage=reopened._storage)] == [
        trial_id
    ]


def test_metadata_is_a_json_string_under_the_artifacts_prefix(
    store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    study = hpo.create_study()
    trial = study.ask()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=_file(tmp_path, "log.txt.gz", b"z"), study_or_trial=trial
    )
    attrs = study._storage.get_trial_system_attrs(trial._trial_id)
    value = attrs[f"artifacts:{artifact_id}"]
    assert isinstance(value, str)
    assert list(json.loads(value).items()) == [
        ("artifact_id", artifact_id),
        ("filename", "log.txt.gz"),
        ("mimetype", "text/plain"),
        ("encoding", "gzip"),
    ]


@pytest.mark.parametrize(
    ("name", "mimetype", "encoding", "expected"),
    [
        ("report.txt", None, None, ("text/plain", None)),
        ("table.csv.gz", None, None, ("text/csv", "gzip")),
        ("weights.unknownext", None, None, ("application/octet-stream", None)),
        ("noext", None, None, ("application/octet-stream", None)),
        ("report.txt", "text/markdown", "br", ("text/markdown", "br")),
    ],
)
def test_mimetype_and_encoding_are_given_or_guessed(
    store: FileSystemArtifactStore,
    tmp_path: Path,
    name: str,
    mimetype: str | None,
    encoding: str | None,
    expected: tuple[str, str | None],
) -> None:
    study = hpo.create_study()
    upload_artifact(
        artifact_store=store,
        file_path=_file(tmp_path, name, b"x"),
        study_or_trial=study,
        mimetype=mimetype,
        encoding=encoding,
    )
    (meta,) = get_all_artifact_meta(study)
    assert (meta.filename, meta.mimetype, meta.encoding) == (name, *expected)


def test_frozen_trial_needs_a_storage(store: FileSystemArtifactStore, tmp_path: Path) -> None:
    study = hpo.create_study()
    study.optimize(lambda t: 0.0, n_trials=1)
    frozen = study.trials[0]
    with pytest.raises(ValueError, match="storage is required"):
        get_all_artifact_meta(frozen)
    with pytest.raises(ValueError, match="storage is required"):
        upload_artifact(
            artifact_store=store, file_path=_file(tmp_path, "a", b"a"), study_or_trial=frozen
        )
    assert list(Path(store._base_path).iterdir()) == []


def test_other_objects_are_rejected(store: FileSystemArtifactStore, tmp_path: Path) -> None:
    fixed = hpo.trial.FixedTrial({"x": 1.0})
    with pytest.raises(TypeError, match="FixedTrial"):
        upload_artifact(
            artifact_store=store, file_path=_file(tmp_path, "a", b"a"), study_or_trial=fixed
        )


def test_upload_to_a_finished_trial_fails_and_keeps_no_bytes(
    store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    study = hpo.create_study()
    study.optimize(lambda t: 0.0, n_trials=1)
    with pytest.raises(UpdateFinishedTrialError):
        upload_artifact(
            artifact_store=store,
            file_path=_file(tmp_path, "late.txt", b"late"),
            study_or_trial=study.trials[0],
            storage=study._storage,
        )
    assert list(Path(store._base_path).iterdir()) == []
    assert get_all_artifact_meta(study.trials[0], storage=study._storage) == []


def test_missing_file_records_nothing(store: FileSystemArtifactStore, tmp_path: Path) -> None:
    study = hpo.create_study()
    with pytest.raises(FileNotFoundError):
        upload_artifact(
            artifact_store=store, file_path=str(tmp_path / "absent"), study_or_trial=study
        )
    assert get_all_artifact_meta(study) == []


def test_old_positional_call_still_works_with_a_future_warning(
    store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    study = hpo.create_study()
    path = _file(tmp_path, "a.txt", b"a")
    with pytest.warns(FutureWarning, match="positional"):
        artifact_id = upload_artifact(study, path, store)  # type: ignore[misc]
    assert [m.artifact_id for m in get_all_artifact_meta(study)] == [artifact_id]
    with pytest.raises(TypeError, match="multiple values"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            upload_artifact(study, path, artifact_store=store, study_or_trial=study)  # type: ignore[misc]
    with pytest.raises(TypeError, match="at most 3 positional"):
        upload_artifact(study, path, store, None)  # type: ignore[misc]


def test_download_never_overwrites(store: FileSystemArtifactStore, tmp_path: Path) -> None:
    store.write("a", io.BytesIO(b"artifact"))
    existing = tmp_path / "existing"
    existing.write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        download_artifact(artifact_store=store, file_path=str(existing), artifact_id="a")
    assert existing.read_bytes() == b"mine"


def test_download_of_a_missing_artifact_creates_no_file(
    store: FileSystemArtifactStore, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    with pytest.raises(ArtifactNotFound):
        download_artifact(artifact_store=store, file_path=str(target), artifact_id="missing")
    assert not target.exists()


class _BrokenStreamStore:
    """A store whose reader fails half-way, like a dropped connection."""

    def open_reader(self, artifact_id: str) -> io.BufferedReader:
        from tests.artifacts.test_filesystem import _FailingReader

        return io.BufferedReader(_FailingReader(b"first half"))

    def write(self, artifact_id: str, content_body: Any) -> None:
        raise NotImplementedError

    def remove(self, artifact_id: str) -> None:
        raise NotImplementedError


def test_failed_download_removes_the_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with pytest.raises(ConnectionError):
        download_artifact(
            artifact_store=_BrokenStreamStore(), file_path=str(target), artifact_id="a"
        )
    assert not target.exists()
