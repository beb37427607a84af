"""Download an artifact to a local file."""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hpo.artifacts._protocol import ArtifactStore


def download_artifact(*, artifact_store: ArtifactStore, file_path: str, artifact_id: str) -> None:
    """Copy an artifact's bytes from its artifact store to a new local file.

    Args:
        artifact_store: The store the artifact was uploaded to.
        file_path: Where to write it. The file must not exist yet.
        artifact_id: The artifact's id, as returned by :func:`upload_artifact` or listed by
            :func:`get_all_artifact_meta`.

    Raises:
        FileExistsError: ``file_path`` already exists (it is never overwritten).
        hpo.artifacts.exceptions.ArtifactNotFound: The store has no such artifact; no file is
            created.

    Example:
        >>> import pathlib, tempfile
        >>> import hpo
        >>> from hpo.artifacts import FileSystemArtifactStore, download_artifact
        >>> from hpo.artifacts import upload_artifact
        >>> workdir = pathlib.Path(tempfile.mkdtemp())
        >>> store = FileSystemArtifactStore(workdir)
        >>> _ = (workdir / "weights.bin").write_bytes(b"\\x00\\x01")
        >>> study = hpo.create_study()
        >>> artifact_id = upload_artifact(
        ...     artifact_store=store, file_path=str(workdir / "weights.bin"), study_or_trial=study
        ... )
        >>> download_artifact(
        ...     artifact_store=store, file_path=str(workdir / "copy.bin"), artifact_id=artifact_id
        ... )
        >>> (workdir / "copy.bin").read_bytes()
        b'\\x00\\x01'
    """
    if os.path.exists(file_path):
        raise FileExistsError(f"File already exists: {file_path}")
    with artifact_store.open_reader(artifact_id) as reader:
        # "xb" refuses to replace a file created since the check above.
        with open(file_path, "xb") as writer:
            try:
                shutil.copyfileobj(reader, writer)
            except BaseException:
                writer.close()
                with contextlib.suppress(OSError):
                    os.remove(file_path)  # leave no half-written file behind
                raise
