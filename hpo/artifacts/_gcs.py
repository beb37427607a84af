"""An artifact store in a Google Cloud Storage bucket."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from hpo._deprecated import experimental_class
from hpo.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO

    import google.cloud.storage


@experimental_class("3.4.0")
class GCSArtifactStore:
    """Store each artifact as a Cloud Storage blob whose name is the artifact id.

    Experimental, as in Optuna: creating one emits an ``ExperimentalWarning``.
    google-cloud-storage is imported only when no ``client`` is given (``pip install
    google-cloud-storage``; credentials come from ``gcloud auth application-default login`` or
    the environment). The store calls only ``client.bucket(name)`` and, on the bucket,
    ``get_blob``, ``blob`` and ``delete_blob``, and on blobs ``download_as_bytes`` and
    ``upload_from_string``. Artifacts pass through memory whole in both directions.

    Args:
        bucket_name: The bucket that holds the artifacts.
        client: A ``google.cloud.storage.Client``; by default one with default settings.

    Raises:
        ImportError: ``client`` is not given and google-cloud-storage is not installed.

    Example:
        >>> import hpo
        >>> from hpo.artifacts import GCSArtifactStore, upload_artifact
        >>> store = GCSArtifactStore("my-bucket")  # doctest: +SKIP
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     with open("x.txt", "w") as f:
        ...         f.write(str(x))
        ...     upload_artifact(artifact_store=store, file_path="x.txt", study_or_trial=trial)
        ...     return x**2
    """

    def __init__(
        self, bucket_name: str, client: google.cloud.storage.Client | None = None
    ) -> None:
        self.bucket_name = bucket_name
        self.client = client if client is not None else _default_client()
        self.bucket_obj = self.client.bucket(bucket_name)

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Download the blob and return its bytes as an in-memory file.

        Raises:
            ArtifactNotFound: The bucket has no blob with this name.
        """
        blob = self.bucket_obj.get_blob(artifact_id)
        if blob is None:
            raise ArtifactNotFound(
                f"No artifact {artifact_id!r} in the GCS bucket {self.bucket_name!r}."
            )
        return io.BytesIO(blob.download_as_bytes())

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Upload the bytes of ``content_body`` as the blob ``artifact_id``."""
        self.bucket_obj.blob(artifact_id).upload_from_string(content_body.read())

    def remove(self, artifact_id: str) -> None:
        """Delete the blob.

        Raises:
            ArtifactNotFound: The bucket has no blob with this name (Cloud Storage's 404).
        """
        try:
            self.bucket_obj.delete_blob(artifact_id)
        except Exception as e:
            # google.api_core.exceptions.NotFound carries the HTTP status as ``.code``.
            if getattr(e, "code", None) == 404:
                raise ArtifactNotFound(
                    f"No artifact {artifact_id!r} in the GCS bucket {self.bucket_name!r}."
                ) from e
            raise


def _default_client() -> Any:
    try:
        import google.cloud.storage as gcs
    except ImportError as e:
        raise ImportError(
            "GCSArtifactStore needs the 'google-cloud-storage' package to create a client: "
            "pip install google-cloud-storage (or pass an existing client with client=...)."
        ) from e
    return gcs.Client()
