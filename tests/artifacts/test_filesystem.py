"""FileSystemArtifactStore: round trips, missing artifacts, path traversal, atomic writes."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from hpo.artifacts import FileSystemArtifactStore
from hpo.artifacts.exceptions import ArtifactNotFound


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


def _read(store: FileSystemArtifactStore, artifact_id: str) -> bytes:
    with store.open_reader(artifact_id) as f:
        return f.read()


@pytest.mark.parametrize("as_str", [True, False])
def test_write_then_read_then_remove(base: Path, as_str: bool) -> None:
    store = FileSystemArtifactStore(str(base) if as_str else base)
    payload = os.urandom(300_000)
    store.write("abc", io.BytesIO(payload))
    assert (base / "abc").read_bytes() == payload
    assert _read(store, "abc") == payload
    store.remove("abc")
    assert not (base / "abc").exists()


def test_write_replaces_previous_content(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    store.write("a", io.BytesIO(b"first version, longer"))
    store.write("a", io.BytesIO(b"second"))
    assert _read(store, "a") == b"second"


def test_missing_artifact_raises_artifact_not_found(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    with pytest.raises(ArtifactNotFound):
        store.open_reader("nope")
    with pytest.raises(ArtifactNotFound):
        store.remove("nope")


def test_ids_may_name_files_in_existing_subdirectories(base: Path) -> None:
    (base / "sub").mkdir()
    store = FileSystemArtifactStore(base)
    store.write("sub/x", io.BytesIO(b"nested"))
    assert (base / "sub" / "x").read_bytes() == b"nested"
    assert _read(store, "sub/../sub/x") == b"nested"


@pytest.mark.parametrize(
    "artifact_id",
    [
        "../outside",
        "a/../../outside",
        "sub/../../outside",
        "/tmp/outside",
        "",
        ".",
        "a/..",
        "x\0y",
    ],
)
def test_ids_escaping_the_base_directory_are_rejected(base: Path, artifact_id: str) -> None:
    outside = base.parent / "outside"
    outside.write_bytes(b"secret")
    store = FileSystemArtifactStore(base)
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.open_reader(artifact_id)
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.write(artifact_id, io.BytesIO(b"overwritten"))
    with pytest.raises(ValueError, match="Invalid artifact_id"):
        store.remove(artifact_id)
    assert outside.read_bytes() == b"secret"


def test_symbolic_link_out_of_the_base_directory_is_rejected(base: Path) -> None:
    elsewhere = base.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "f").write_bytes(b"secret")
    (base / "link").symlink_to(elsewhere, target_is_directory=True)
    store = FileSystemArtifactStore(base)
    with pytest.raises(ValueError, match="outside the artifact directory"):
        store.open_reader("link/f")
    with pytest.raises(ValueError, match="outside the artifact directory"):
        store.write("link/g", io.BytesIO(b"x"))
    assert sorted(p.name for p in elsewhere.iterdir()) == ["f"]


def test_base_directory_reached_through_a_symbolic_link_works(tmp_path: Path, base: Path) -> None:
    link = tmp_path / "link-to-store"
    link.symlink_to(base, target_is_directory=True)
    store = FileSystemArtifactStore(link)
    store.write("a", io.BytesIO(b"via link"))
    assert (base / "a").read_bytes() == b"via link"


class _FailingReader(io.RawIOBase):
    """Yields some bytes, then fails like a broken network stream."""

    def __init__(self, good: bytes) -> None:
        self._good = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._good:
            raise ConnectionError("stream broke")
        n = min(len(buffer), len(self._good))
        buffer[:n] = self._good[:n]
        self._good = self._good[n:]
        return n


def test_failed_write_keeps_the_old_content_and_leaves_no_temporary_file(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    store.write("a", io.BytesIO(b"old content"))
    with pytest.raises(ConnectionError):
        store.write("a", io.BufferedReader(_FailingReader(b"new partial content")))
    assert _read(store, "a") == b"old content"
    assert sorted(p.name for p in base.iterdir()) == ["a"]


def test_failed_first_write_creates_nothing(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    with pytest.raises(ConnectionError):
        store.write("a", io.BufferedReader(_FailingReader(b"partial")))
    assert list(base.iterdir()) == []
    with pytest.raises(ArtifactNotFound):
        store.open_reader("a")


def test_a_reader_opened_before_a_rewrite_keeps_reading_the_old_content(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    store.write("a", io.BytesIO(b"old" * 1000))
    with store.open_reader("a") as reader:
        store.write("a", io.BytesIO(b"new"))
        assert reader.read() == b"old" * 1000  # a rename, not an in-place rewrite
    assert _read(store, "a") == b"new"


def test_written_files_get_the_permissions_of_a_plain_open(base: Path) -> None:
    store = FileSystemArtifactStore(base)
    store.write("a", io.BytesIO(b"x"))
    with open(base / "plain", "wb"):
        pass
    mode = stat.S_IMODE
    assert mode((base / "a").stat().st_mode) == mode((base / "plain").stat().st_mode)


def test_missing_base_directory_fails_on_write(tmp_path: Path) -> None:
    store = FileSystemArtifactStore(tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        store.write("a", io.BytesIO(b"x"))
