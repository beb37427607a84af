"""An artifact store in a local (or mounted network) directory."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from hpo.artifacts.exceptions import ArtifactNotFound

if TYPE_CHECKING:
    from typing import BinaryIO


class FileSystemArtifactStore:
    """Store each artifact as a file named by its id in a directory.

    Artifact ids must name a path inside ``base_path``: absolute ids and ids that climb out
    with ``..`` or through a symbolic link raise ``ValueError``. A write goes to a temporary
    file in the same directory that is then renamed over the target, so readers never see a
    partly written artifact. The directory must exist; it is not created.

    Args:
        base_path: The directory that holds the artifacts.

    Example:
        >>> import io, tempfile
        >>> from hpo.artifacts import FileSystemArtifactStore
        >>> store = FileSystemArtifactStore(tempfile.mkdtemp())
        >>> store.write("my-artifact", io.BytesIO(b"content"))
        >>> with store.open_reader("my-artifact") as f:
        ...     f.read()
        b'content'
        >>> store.remove("my-artifact")
    """

    def __init__(self, base_path: str | Path) -> None:
        self._base_path = Path(base_path)

    def _path_of(self, artifact_id: str) -> Path:
        if not isinstance(artifact_id, str):
            raise TypeError(f"artifact_id must be a str, got {type(artifact_id).__name__}.")
        if not artifact_id or "\x00" in artifact_id or os.path.isabs(artifact_id):
            raise ValueError(
                f"Invalid artifact_id {artifact_id!r}: it must be a non-empty relative path."
            )
        base = os.path.realpath(self._base_path)
        target = os.path.realpath(os.path.join(base, artifact_id))
        if target == base or os.path.commonpath([base, target]) != base:
            raise ValueError(
                f"Invalid artifact_id {artifact_id!r}: it resolves outside the artifact "
                f"directory {str(self._base_path)!r}."
            )
        return Path(target)  # operate on the path that was checked

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """Open the artifact for reading in binary mode.

        Raises:
            ArtifactNotFound: No artifact has this id.
            ValueError: The id would escape the base directory.
        """
        path = self._path_of(artifact_id)
        try:
            return open(path, "rb")
        except (FileNotFoundError, NotADirectoryError) as e:
            raise ArtifactNotFound(
                f"No artifact {artifact_id!r} in {str(self._base_path)!r}."
            ) from e

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the bytes of ``content_body`` atomically, replacing any previous content.

        Raises:
            ValueError: The id would escape the base directory.
        """
        path = self._path_of(artifact_id)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        # os.open with mode 0o666 gives the file the permissions a plain open() would (umask).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with os.fdopen(fd, "wb") as f:
                shutil.copyfileobj(content_body, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact.

        Raises:
            ArtifactNotFound: No artifact has this id.
            ValueError: The id would escape the base directory.
        """
        path = self._path_of(artifact_id)
        try:
            os.remove(path)
        except (FileNotFoundError, NotADirectoryError) as e:
            raise ArtifactNotFound(
                f"No artifact {artifact_id!r} in {str(self._base_path)!r}."
            ) from e
