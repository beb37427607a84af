"""List the artifacts recorded on a study or a trial."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hpo.artifacts._upload import ARTIFACTS_ATTR_PREFIX, ArtifactMeta, _storage_of
from hpo.study import Study

if TYPE_CHECKING:
    from hpo.storages import BaseStorage
    from hpo.trial import FrozenTrial, Trial


def get_all_artifact_meta(
    study_or_trial: Trial | FrozenTrial | Study, *, storage: BaseStorage | None = None
) -> list[ArtifactMeta]:
    """Return the metadata of every artifact uploaded to a trial or a study.

    Artifacts uploaded with Optuna to a storage shared with hpo are listed too (the format is
    the same).

    Args:
        study_or_trial: A :class:`~hpo.Trial`, :class:`~hpo.trial.FrozenTrial` or
            :class:`~hpo.Study`. For a study, only the artifacts uploaded to the study itself
            are listed, not those of its trials.
        storage: The study's storage. Required only for a ``FrozenTrial``.

    Returns:
        One :class:`ArtifactMeta` per artifact, in the storage's order of the attributes.

    Raises:
        ValueError: ``study_or_trial`` is a ``FrozenTrial`` and ``storage`` is not given.

    Example:
        >>> import pathlib, tempfile
        >>> import hpo
        >>> from hpo.artifacts import FileSystemArtifactStore, get_all_artifact_meta
        >>> from hpo.artifacts import upload_artifact
        >>> workdir = pathlib.Path(tempfile.mkdtemp())
        >>> store = FileSystemArtifactStore(workdir)
        >>> _ = (workdir / "notes.txt").write_text("hello")
        >>> study = hpo.create_study()
        >>> trial = study.ask()
        >>> artifact_id = upload_artifact(
        ...     artifact_store=store, file_path=str(workdir / "notes.txt"), study_or_trial=trial
        ... )
        >>> [(m.filename, m.mimetype) for m in get_all_artifact_meta(trial)]
        [('notes.txt', 'text/plain')]
    """
    storage = _storage_of(study_or_trial, storage)
    if isinstance(study_or_trial, Study):
        attrs = storage.get_study_system_attrs(study_or_trial._study_id)
    else:
        attrs = storage.get_trial_system_attrs(study_or_trial._trial_id)
    return [_parse(value) for key, value in attrs.items() if key.startswith(ARTIFACTS_ATTR_PREFIX)]


def _parse(value: Any) -> ArtifactMeta:
    fields = json.loads(value) if isinstance(value, str) else value
    return ArtifactMeta(
        artifact_id=fields["artifact_id"],
        filename=fields["filename"],
        mimetype=fields["mimetype"],
        encoding=fields["encoding"],
    )
