"""Artifacts: files (models, plots, logs) attached to trials and studies.

The bytes go to an artifact store (:class:`FileSystemArtifactStore`,
:class:`Boto3ArtifactStore`, :class:`GCSArtifactStore`, optionally wrapped in :class:`Backoff`);
the study's storage records their metadata in the trial's or study's system attributes, in
the same format as Optuna, so artifacts uploaded by either library are visible to the other.
"""

from hpo.artifacts import exceptions as exceptions
from hpo.artifacts._backoff import Backoff
from hpo.artifacts._boto3 import Boto3ArtifactStore
from hpo.artifacts._download import download_artifact
from hpo.artifacts._filesystem import FileSystemArtifactStore
from hpo.artifacts._gcs import GCSArtifactStore
from hpo.artifacts._list_artifact_meta import get_all_artifact_meta
from hpo.artifacts._upload import ArtifactMeta, upload_artifact

__all__ = [
    "ArtifactMeta",
    "FileSystemArtifactStore",
    "Boto3ArtifactStore",
    "GCSArtifactStore",
    "Backoff",
    "get_all_artifact_meta",
    "upload_artifact",
    "download_artifact",
]
