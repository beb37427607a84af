"""Artifacts uploaded by Optuna are listed and downloaded by hpo, and the reverse.

The two libraries share a journal file (Optuna 5.0's format, which hpo reads and writes) and a
FileSystemArtifactStore directory. hpo's RDB storage uses its own tables, so a SQLite file is
not shared with Optuna and is not tested here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hpo

optuna = pytest.importorskip("optuna")


def _storage(lib: Any, path: Path) -> Any:
    return lib.storages.JournalStorage(lib.storages.journal.JournalFileBackend(str(path)))


def _upload_everywhere(lib: Any, storage: Any, store_dir: Path, files: Path) -> dict[str, bytes]:
    """Create a study with artifacts on two trials and on the study; return id -> content."""
    store = lib.artifacts.FileSystemArtifactStore(str(store_dir))
    contents: dict[str, bytes] = {}

    def upload(owner: Any, name: str, content: bytes, **kwargs: Any) -> None:
        path = files / name
        path.write_bytes(content)
        artifact_id = lib.artifacts.upload_artifact(
            artifact_store=store, file_path=str(path), study_or_trial=owner, **kwargs
        )
        contents[artifact_id] = content

    study = lib.create_study(study_name="shared", storage=storage)
    for i in range(2):
        trial = study.ask()
        upload(trial, f"model-{i}.bin", bytes([i]) * 1000)
        upload(trial, f"curve-{i}.csv.gz", b"\x1f\x8b compressed", mimetype="text/csv")
        study.tell(trial, float(i))
    upload(study, "summary.json", b'{"best": 0}', encoding="identity")
    return contents


def _listing(lib: Any, storage: Any) -> list[list[tuple[str, str, str, str | None]]]:
    """Per owner (each trial, then the study): the sorted artifact metadata."""
    study = lib.load_study(study_name="shared", storage=storage)
    owners = [
        lambda t=t: lib.artifacts.get_all_artifact_meta(t, storage=storage) for t in study.trials
    ]
    owners.append(lambda: lib.artifacts.get_all_artifact_meta(study))
    return [
        sorted((m.artifact_id, m.filename, m.mimetype, m.encoding) for m in list_metas())
        for list_metas in owners
    ]


@pytest.mark.parametrize("writer", ["optuna", "hpo"])
def test_artifacts_written_by_one_library_are_read_by_the_other(
    tmp_path: Path, writer: str
) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    libs = {"optuna": optuna, "hpo": hpo}
    reader = "hpo" if writer == "optuna" else "optuna"
    journal, store_dir, files = tmp_path / "journal.log", tmp_path / "store", tmp_path / "files"
    store_dir.mkdir()
    files.mkdir()

    contents = _upload_everywhere(libs[writer], _storage(libs[writer], journal), store_dir, files)
    written = _listing(libs[writer], _storage(libs[writer], journal))
    read = _listing(libs[reader], _storage(libs[reader], journal))
    assert read == written
    assert sorted(m[0] for owner in read for m in owner) == sorted(contents)
    assert [sorted(m[1] for m in owner) for owner in read] == [
        ["curve-0.csv.gz", "model-0.bin"],
        ["curve-1.csv.gz", "model-1.bin"],
        ["summary.json"],
    ]

    reader_store = libs[reader].artifacts.FileSystemArtifactStore(str(store_dir))
    for artifact_id, content in contents.items():
        target = tmp_path / f"download-{artifact_id}"
        libs[reader].artifacts.download_artifact(
            artifact_store=reader_store, file_path=str(target), artifact_id=artifact_id
        )
        assert target.read_bytes() == content


def test_metadata_strings_are_identical_to_optunas(tmp_path: Path) -> None:
    # Same file, same id: the stored JSON string must be byte for byte what Optuna stores.
    (tmp_path / "store").mkdir()
    path = tmp_path / "table.csv.gz"
    path.write_bytes(b"x")
    stored = {}
    for lib in (optuna, hpo):
        study = lib.create_study()
        store = lib.artifacts.FileSystemArtifactStore(str(tmp_path / "store"))
        artifact_id = lib.artifacts.upload_artifact(
            artifact_store=store, file_path=str(path), study_or_trial=study
        )
        value = study._storage.get_study_system_attrs(study._study_id)[f"artifacts:{artifact_id}"]
        stored[lib.__name__] = value.replace(artifact_id, "<id>")
    assert stored["hpo"] == stored["optuna"]
