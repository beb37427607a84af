"""An artifact store in an Amazon S3 (or S3-compatible) bucket, through boto3."""

from __future__ import annotations

import io
import shutil
from typing import TYPE_CHECKING, Any

from hpo.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

    from mypy_boto3_s3 import S3Client


class Boto3ArtifactStore:
    """Store each artifact as an S3 object whose key is the artifact id.

    boto3 is imported only when no ``client`` is given (install it with ``pip install boto3``).
    The store calls only ``get_object``, ``upload_fileobj`` and ``delete_object`` of the client.

    Args:
        bucket_name: The bucket that holds the artifacts.
        client: A boto3 S3 client (e.g. ``boto3.client("s3", endpoint_url=...)`` for MinIO).
            By default ``boto3.client("s3")``, configured from the environment.
        avoid_buf_copy: Upload straight from the caller's file object instead of copying it
            into memory first. The copy exists because boto3's ``upload_fileobj`` may close the
            object it is given; skip it only if nothing reads the file object afterwards.

    Raises:
        ImportError: ``client`` is not given and boto3 is not installed.

    Example:
        >>> import hpo
        >>> from hpo.artifacts import Boto3ArtifactStore, upload_artifact
        >>> store = Boto3ArtifactStore("my-bucket")  # doctest: +SKIP
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     with open("x.txt", "w") as f:
        ...         f.write(str(x))
        ...     upload_artifact(artifact_store=store, file_path="x.txt", study_or_trial=trial)
        ...     return x**2
    """

    def __init__(
        self, bucket_name: str, client: S3Client | None = None, *, avoid_buf_copy: bool = False
    ) -> None:
        self.bucket = bucket_name
        self.client = client if client is not None else _default_client()
        self._avoid_buf_copy = avoid_buf_copy

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return the object's streaming body.

        Raises:
            ArtifactNotFound: The bucket has no object with this key.
        """
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=artifact_id)
        except Exception as e:
            if _is_not_found(e):
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in the S3 bucket {self.bucket!r}."
                ) from e
            raise
        return response["Body"]

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Upload the bytes of ``content_body`` as the object ``artifact_id``."""
        source: BinaryIO = content_body
        if not self._avoid_buf_copy:
            source = io.BytesIO()
            shutil.copyfileobj(content_body, source)
            source.seek(0)
        self.client.upload_fileobj(Fileobj=source, Bucket=self.bucket, Key=artifact_id)

    def remove(self, artifact_id: str) -> None:
        """Delete the object (S3 reports no error for a key that does not exist)."""
        self.client.delete_object(Bucket=self.bucket, Key=artifact_id)


def _default_client() -> Any:
    try:
        import boto3
    except ImportError as e:
        raise ImportError(
            "Boto3ArtifactStore needs the 'boto3' package to create an S3 client: "
            "pip install boto3 (or pass an existing client with client=...)."
        ) from e
    return boto3.client("s3")


def _is_not_found(error: Exception) -> bool:
    # botocore's ClientError carries the parsed S3 error response as ``.response``.
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    code = (response.get("Error") or {}).get("Code")
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code == "NoSuchKey" or status == 404
