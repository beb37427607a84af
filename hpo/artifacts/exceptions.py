"""Errors raised by artifact stores."""

from __future__ import annotations

from hpo.exceptions import OptunaError

__all__ = ["ArtifactNotFound", "OptunaError"]


class ArtifactNotFound(OptunaError):
    """An artifact store has no artifact with the requested id.

    Stores raise it from ``open_reader`` (and may raise it from ``remove``). ``Backoff`` never
    retries it: a missing artifact does not appear by waiting.
    """
