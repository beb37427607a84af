"""Boto3ArtifactStore and GCSArtifactStore against in-process fake clients.

There is no S3 or Cloud Storage service here, and boto3 / google-cloud-storage are not
installed. The stores' contract is the client API they call, so each fake implements exactly
those client methods with the real names, keyword arguments and error shapes (botocore's
``ClientError.response``, google-api-core's ``NotFound.code``), and nothing more.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

import hpo
from hpo.artifacts import (
    Backoff,
    Boto3ArtifactStore,
    GCSArtifactStore,
    download_artifact,
    get_all_artifact_meta,
    upload_artifact,
)
from hpo.artifacts.exceptions import ArtifactNotFound
from hpo.exceptions import ExperimentalWarning

# --- a fake boto3 S3 client -------------------------------------------------------------------


class FakeClientError(Exception):
    """Shaped like botocore.exceptions.ClientError: the parsed error response in ``.response``."""

    def __init__(self, code: str, status: int) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}


class FakeS3Client:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.uploaded_fileobjs: list[Any] = []
        self.fail_next: Exception | None = None

    def _check_failure(self) -> None:
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    # boto3 client operations take keyword arguments only.
    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self._check_failure()
        if (Bucket, Key) not in self.objects:
            raise FakeClientError("NoSuchKey", 404)
        return {"Body": io.BytesIO(self.objects[Bucket, Key]), "ContentLength": 0}

    def upload_fileobj(self, Fileobj: Any, Bucket: str, Key: str, ExtraArgs: Any = None) -> None:
        self._check_failure()
        self.uploaded_fileobjs.append(Fileobj)
        self.objects[Bucket, Key] = Fileobj.read()
        Fileobj.close()  # boto3 may close the object it uploads (boto/boto3#929)

    def delete_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        self._check_failure()
        self.objects.pop((Bucket, Key), None)  # S3 does not report missing keys
        return {}


# --- a fake google-cloud-storage client -------------------------------------------------------


class FakeNotFound(Exception):
    """Shaped like google.api_core.exceptions.NotFound: the HTTP status in ``.code``."""

    code = 404


class FakeBlob:
    def __init__(self, bucket: FakeBucket, name: str) -> None:
        self._bucket, self.name = bucket, name

    def download_as_bytes(self) -> bytes:
        return self._bucket.blobs[self.name]

    def upload_from_string(self, data: bytes | str) -> None:
        self._bucket.blobs[self.name] = data.encode() if isinstance(data, str) else data


class FakeBucket:
    def __init__(self, name: str) -> None:
        self.name = name
        self.blobs: dict[str, bytes] = {}

    def blob(self, blob_name: str) -> FakeBlob:
        return FakeBlob(self, blob_name)

    def get_blob(self, blob_name: str) -> FakeBlob | None:
        return FakeBlob(self, blob_name) if blob_name in self.blobs else None

    def delete_blob(self, blob_name: str) -> None:
        if self.blobs.pop(blob_name, None) is None:
            raise FakeNotFound(f"404 DELETE {blob_name}")


class FakeGCSClient:
    def __init__(self) -> None:
        self.buckets: dict[str, FakeBucket] = {}

    def bucket(self, bucket_name: str) -> FakeBucket:
        return self.buckets.setdefault(bucket_name, FakeBucket(bucket_name))


def _gcs_store(client: FakeGCSClient, bucket: str = "bucket") -> GCSArtifactStore:
    with pytest.warns(ExperimentalWarning):
        return GCSArtifactStore(bucket, client=client)  # type: ignore[arg-type]


# --- shared behaviour ---------------------------------------------------------------------------


@pytest.fixture(params=["boto3", "gcs"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "boto3":
        return Boto3ArtifactStore("bucket", client=FakeS3Client())  # type: ignore[arg-type]
    return _gcs_store(FakeGCSClient())


def test_upload_list_download_through_the_store(store: Any, tmp_path: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x00\x01weights")
    study = hpo.create_study()
    trial = study.ask()
    artifact_id = upload_artifact(
        artifact_store=store, file_path=str(source), study_or_trial=trial
    )
    assert [m.artifact_id for m in get_all_artifact_meta(trial)] == [artifact_id]
    target = tmp_path / "copy.bin"
    download_artifact(artifact_store=store, file_path=str(target), artifact_id=artifact_id)
    assert target.read_bytes() == b"\x00\x01weights"


def test_missing_object_raises_artifact_not_found(store: Any, tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFound, match="bucket"):
        store.open_reader("missing")
    with pytest.raises(ArtifactNotFound):
        download_artifact(artifact_store=store, file_path=str(tmp_path / "x"), artifact_id="nope")
    assert not (tmp_path / "x").exists()


def test_write_overwrite_and_remove(store: Any) -> None:
    store.write("a", io.BytesIO(b"one"))
    store.write("a", io.BytesIO(b"two"))
    with store.open_reader("a") as f:
        assert f.read() == b"two"
    store.remove("a")
    with pytest.raises(ArtifactNotFound):
        store.open_reader("a")


# --- Boto3ArtifactStore -------------------------------------------------------------------------


def test_boto3_writes_to_the_named_bucket_with_the_id_as_key() -> None:
    client = FakeS3Client()
    Boto3ArtifactStore("models", client=client).write("id-1", io.BytesIO(b"x"))  # type: ignore[arg-type]
    assert client.objects == {("models", "id-1"): b"x"}


def test_boto3_copies_the_content_so_the_callers_file_stays_open(tmp_path: Path) -> None:
    client = FakeS3Client()
    path = tmp_path / "f"
    path.write_bytes(b"content")
    with open(path, "rb") as f:
        Boto3ArtifactStore("b", client=client).write("a", f)  # type: ignore[arg-type]
        assert not f.closed
        assert client.uploaded_fileobjs[0] is not f
    with open(path, "rb") as f:
        Boto3ArtifactStore("b", client=client, avoid_buf_copy=True).write("c", f)  # type: ignore[arg-type]
        assert client.uploaded_fileobjs[1] is f
    assert client.objects[("b", "a")] == client.objects[("b", "c")] == b"content"


def test_boto3_other_client_errors_propagate() -> None:
    client = FakeS3Client()
    store = Boto3ArtifactStore("b", client=client)  # type: ignore[arg-type]
    client.fail_next = FakeClientError("AccessDenied", 403)
    with pytest.raises(FakeClientError, match="AccessDenied"):
        store.open_reader("a")


def test_boto3_remove_of_a_missing_key_is_silent_like_s3() -> None:
    client = FakeS3Client()
    Boto3ArtifactStore("b", client=client).remove("never-written")  # type: ignore[arg-type]
    assert client.objects == {}


def test_backoff_retries_a_throttled_boto3_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    from hpo.artifacts import _backoff

    monkeypatch.setattr(_backoff, "_sleep", lambda _: None)
    client = FakeS3Client()
    client.fail_next = FakeClientError("SlowDown", 503)
    Backoff(Boto3ArtifactStore("b", client=client)).write("a", io.BytesIO(b"whole"))  # type: ignore[arg-type]
    assert client.objects == {("b", "a"): b"whole"}


def test_boto3_without_client_needs_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # makes ``import boto3`` fail
    with pytest.raises(ImportError, match="boto3"):
        Boto3ArtifactStore("b")
    # An explicit client does not need the package.
    assert Boto3ArtifactStore("b", client=FakeS3Client()).bucket == "b"  # type: ignore[arg-type]


# --- GCSArtifactStore ---------------------------------------------------------------------------


def test_gcs_writes_to_the_named_bucket_with_the_id_as_blob_name() -> None:
    client = FakeGCSClient()
    _gcs_store(client, "models").write("id-1", io.BytesIO(b"x"))
    assert client.buckets["models"].blobs == {"id-1": b"x"}


def test_gcs_remove_of_a_missing_blob_raises_artifact_not_found() -> None:
    store = _gcs_store(FakeGCSClient())
    with pytest.raises(ArtifactNotFound, match="bucket"):
        store.remove("missing")


def test_gcs_is_experimental_and_needs_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("google", "google.cloud", "google.cloud.storage"):
        monkeypatch.setitem(sys.modules, name, None)
    with (
        pytest.warns(ExperimentalWarning),
        pytest.raises(ImportError, match="google-cloud-storage"),
    ):
        GCSArtifactStore("b")
