"""The interface every artifact store implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from typing import BinaryIO


class ArtifactStore(Protocol):
    """Where artifact bytes live; the study's storage only keeps their metadata.

    Library users do not call these methods: ``upload_artifact`` and ``download_artifact`` do.
    Any object with these three methods can be passed as ``artifact_store``.
    """

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Return a readable binary file object over the artifact's bytes.

        Raises:
            ArtifactNotFound: No artifact has this id.
        """
        ...

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the bytes read from ``content_body`` under ``artifact_id``."""
        ...

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact; a store may raise ``ArtifactNotFound`` when it is missing."""
        ...
