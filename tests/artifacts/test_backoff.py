"""Backoff: which errors are retried, how long it waits, and that writes are replayed whole."""

from __future__ import annotations

import io
from typing import Any

import pytest

from hpo.artifacts import Backoff, FileSystemArtifactStore, _backoff
from hpo.artifacts.exceptions import ArtifactNotFound


class _FlakyStore:
    """An in-memory store whose calls fail ``failures`` times before going through."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConnectionError("temporary outage")
        self.calls: list[str] = []
        self.data: dict[str, bytes] = {}

    def _maybe_fail(self, name: str) -> None:
        self.calls.append(name)
        if self.failures > 0:
            self.failures -= 1
            raise self.error

    def open_reader(self, artifact_id: str) -> io.BytesIO:
        self._maybe_fail("open_reader")
        if artifact_id not in self.data:
            raise ArtifactNotFound(artifact_id)
        return io.BytesIO(self.data[artifact_id])

    def write(self, artifact_id: str, content_body: Any) -> None:
        first = content_body.read(4)  # a failed upload has consumed part of the stream
        self._maybe_fail("write")
        self.data[artifact_id] = first + content_body.read()

    def remove(self, artifact_id: str) -> None:
        self._maybe_fail("remove")
        if self.data.pop(artifact_id, None) is None:
            raise ArtifactNotFound(artifact_id)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(_backoff, "_sleep", recorded.append)
    return recorded


def test_write_is_retried_from_where_the_content_started(sleeps: list[float]) -> None:
    backend = _FlakyStore(failures=3)
    content = io.BytesIO(b"HEADER:the artifact body")
    content.read(7)  # the caller hands over a stream positioned after a header
    Backoff(backend).write("a", content)
    assert backend.data["a"] == b"the artifact body"
    assert backend.calls == ["write"] * 4
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])


def test_open_and_remove_are_retried(sleeps: list[float]) -> None:
    backend = _FlakyStore(failures=0)
    backend.data["a"] = b"payload"
    store = Backoff(backend, min_delay=1.0, multiplier=3, max_delay=5)
    backend.failures = 2
    with store.open_reader("a") as f:
        assert f.read() == b"payload"
    backend.failures = 3
    store.remove("a")
    assert backend.calls == ["open_reader"] * 3 + ["remove"] * 4
    assert sleeps == pytest.approx([1.0, 3.0] + [1.0, 3.0, 5.0])


def test_successful_remove_is_called_once(sleeps: list[float], tmp_path: Any) -> None:
    store = Backoff(FileSystemArtifactStore(tmp_path))
    store.write("a", io.BytesIO(b"x"))
    store.remove("a")  # Optuna 5.0's Backoff calls remove again and raises ArtifactNotFound here
    assert sleeps == []
    assert list(tmp_path.iterdir()) == []


def test_artifact_not_found_is_not_retried(sleeps: list[float]) -> None:
    backend = _FlakyStore(failures=0)
    with pytest.raises(ArtifactNotFound):
        Backoff(backend).open_reader("missing")
    with pytest.raises(ArtifactNotFound):
        Backoff(backend).remove("missing")
    assert backend.calls == ["open_reader", "remove"]
    assert sleeps == []


@pytest.mark.parametrize("error", [ConnectionError("down"), ValueError("bad"), KeyError("k")])
def test_gives_up_after_max_retries_with_the_last_error(
    sleeps: list[float], error: Exception
) -> None:
    backend = _FlakyStore(failures=100, error=error)
    with pytest.raises(type(error)):
        Backoff(backend, max_retries=4).write("a", io.BytesIO(b"x"))
    assert backend.calls == ["write"] * 4
    assert sleeps == pytest.approx([0.1, 0.2, 0.4])  # no pause after the last attempt
    assert backend.data == {}


def test_default_delays_grow_to_the_cap(sleeps: list[float]) -> None:
    backend = _FlakyStore(failures=100)
    with pytest.raises(ConnectionError):
        Backoff(backend).remove("a")
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6])
    assert len(backend.calls) == 10
    sleeps.clear()
    with pytest.raises(ConnectionError):
        Backoff(backend, max_retries=12, max_delay=2).remove("a")
    assert sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6] + [2.0] * 6)


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def test_unseekable_content_is_not_retried(sleeps: list[float]) -> None:
    # Replaying a pipe is impossible; a retry would store a truncated artifact.
    backend = _FlakyStore(failures=1)
    with pytest.raises(ConnectionError):
        Backoff(backend).write("a", _Unseekable(b"streamed bytes"))
    assert backend.calls == ["write"]
    assert backend.data == {}
    Backoff(backend).write("a", _Unseekable(b"streamed bytes"))
    assert backend.data["a"] == b"streamed bytes"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_retries": 0},
        {"multiplier": 0},
        {"min_delay": 0},
        {"min_delay": -1},
        {"min_delay": 1, "max_delay": 1},
        {"max_delay": 0.05},
    ],
)
def test_invalid_settings_are_rejected(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(_FlakyStore(0), **kwargs)  # type: ignore[arg-type]
