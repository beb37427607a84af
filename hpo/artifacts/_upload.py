"""Upload a file as an artifact of a study or trial, and the metadata format it records."""

from __future__ import annotations

import dataclasses
import functools
import json
import mimetypes
import os
import uuid
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from hpo.study import Study
from hpo.trial import FrozenTrial, Trial

if TYPE_CHECKING:
    from hpo.artifacts._protocol import ArtifactStore
    from hpo.storages import BaseStorage

# Metadata lives in the system attributes under "artifacts:<artifact_id>" as a JSON string of
# the ArtifactMeta fields: the layout Optuna uses, so either library reads the other's artifacts.
ARTIFACTS_ATTR_PREFIX = "artifacts:"
DEFAULT_MIME_TYPE = "application/octet-stream"

# Before Optuna 4.0 upload_artifact took these three arguments positionally.
_OLD_POSITIONAL_NAMES = ("study_or_trial", "file_path", "artifact_store")

F = TypeVar("F", bound=Callable[..., Any])


@dataclasses.dataclass
class ArtifactMeta:
    """What the study's storage records about one artifact.

    :func:`get_all_artifact_meta` lists them; pass ``artifact_id`` to :func:`download_artifact`.

    Args:
        artifact_id: The artifact's id in its artifact store.
        filename: The base name of the uploaded file.
        mimetype: The MIME type, given at upload or guessed from the file extension.
        encoding: The content encoding (e.g. ``"gzip"``), given or guessed; ``None`` if none.

    Example:
        >>> from hpo.artifacts import ArtifactMeta
        >>> meta = ArtifactMeta("4f1c-example-id", "model.pt", "application/octet-stream", None)
        >>> meta.filename
        'model.pt'
    """

    artifact_id: str
    filename: str
    mimetype: str
    encoding: str | None


def _accept_old_positional_args(func: F) -> F:
    """Accept the pre-4.0 positional call ``upload_artifact(trial, path, store)`` with a warning."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if args:
            if len(args) > len(_OLD_POSITIONAL_NAMES):
                raise TypeError(
                    f"upload_artifact() takes at most {len(_OLD_POSITIONAL_NAMES)} positional "
                    f"arguments but {len(args)} were given."
                )
            names = _OLD_POSITIONAL_NAMES[: len(args)]
            duplicated = sorted(set(names) & set(kwargs))
            if duplicated:
                raise TypeError(f"upload_artifact() got multiple values for {duplicated}.")
            warnings.warn(
                f"upload_artifact() got {list(names)} as positional arguments; positional "
                "arguments have been deprecated since v4.0.0 and will be removed in v6.0.0. "
                "Pass them as keyword arguments.",
                FutureWarning,
                stacklevel=2,
            )
            kwargs.update(zip(names, args))
        return func(**kwargs)

    return wrapper  # type: ignore[return-value]


def _storage_of(study_or_trial: Any, storage: BaseStorage | None) -> BaseStorage:
    if not isinstance(study_or_trial, (Trial, FrozenTrial, Study)):
        raise TypeError(
            "study_or_trial must be a Trial, a FrozenTrial or a Study, "
            f"got {type(study_or_trial).__name__}."
        )
    if storage is not None:
        return storage
    if isinstance(study_or_trial, Trial):
        return study_or_trial.storage
    if isinstance(study_or_trial, Study):
        return study_or_trial._storage
    raise ValueError("storage is required for FrozenTrial.")


def _meta_key(artifact_id: str) -> str:
    return ARTIFACTS_ATTR_PREFIX + artifact_id


@_accept_old_positional_args
def upload_artifact(
    *,
    artifact_store: ArtifactStore,
    file_path: str,
    study_or_trial: Trial | FrozenTrial | Study,
    storage: BaseStorage | None = None,
    mimetype: str | None = None,
    encoding: str | None = None,
) -> str:
    """Store a file in an artifact store and record it on a trial or a study.

    The bytes go to ``artifact_store``; the study's storage keeps an :class:`ArtifactMeta`
    in the trial's (or study's) system attributes, in the same format as Optuna.

    Args:
        artifact_store: Where the file's bytes are stored, e.g. a
            :class:`FileSystemArtifactStore`.
        file_path: The file to upload. Its base name is recorded as ``filename``.
        study_or_trial: The :class:`~hpo.Trial`, :class:`~hpo.trial.FrozenTrial` or
            :class:`~hpo.Study` the artifact belongs to.
        storage: The study's storage. Required only for a ``FrozenTrial``.
        mimetype: The MIME type; guessed from the file extension when omitted
            (``application/octet-stream`` if unknown).
        encoding: The content encoding (e.g. ``"gzip"``); guessed from the extension when
            omitted.

    Returns:
        The new artifact's id (a random UUID).

    Raises:
        ValueError: ``study_or_trial`` is a ``FrozenTrial`` and ``storage`` is not given.
        TypeError: ``study_or_trial`` is none of the accepted types.

    Example:
        >>> import pathlib, tempfile
        >>> import hpo
        >>> from hpo.artifacts import FileSystemArtifactStore, upload_artifact
        >>> workdir = pathlib.Path(tempfile.mkdtemp())
        >>> store = FileSystemArtifactStore(workdir)
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -10, 10)
        ...     report = workdir / "report.txt"
        ...     report.write_text(f"x = {x}")
        ...     upload_artifact(artifact_store=store, file_path=str(report), study_or_trial=trial)
        ...     return x**2
        >>> study = hpo.create_study()
        >>> study.optimize(objective, n_trials=3)
    """
    storage = _storage_of(study_or_trial, storage)
    filename = os.path.basename(file_path)
    guessed_type, guessed_encoding = mimetypes.guess_type(filename)
    meta = ArtifactMeta(
        artifact_id=str(uuid.uuid4()),
        filename=filename,
        mimetype=mimetype or guessed_type or DEFAULT_MIME_TYPE,
        encoding=encoding or guessed_encoding,
    )
    # The bytes are stored before the metadata, so a listed artifact can always be downloaded;
    # if recording fails (e.g. the trial has finished) the stored bytes are removed again.
    with open(file_path, "rb") as f:
        artifact_store.write(meta.artifact_id, f)
    try:
        _record(storage, study_or_trial, meta)
    except BaseException:
        try:
            artifact_store.remove(meta.artifact_id)
        except Exception:
            pass  # the recording error is the one to report
        raise
    return meta.artifact_id


def _record(storage: BaseStorage, owner: Trial | FrozenTrial | Study, meta: ArtifactMeta) -> None:
    value = json.dumps(dataclasses.asdict(meta))
    if isinstance(owner, Study):
        storage.set_study_system_attr(owner._study_id, _meta_key(meta.artifact_id), value)
    else:
        storage.set_trial_system_attr(owner._trial_id, _meta_key(meta.artifact_id), value)
