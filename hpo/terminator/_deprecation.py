"""The deprecation notice of the terminator module (deprecated in Optuna 4.9.0)."""

from __future__ import annotations

import warnings

from hpo._deprecated import _deprecation_message

_MESSAGE = _deprecation_message(
    "`hpo.terminator` module",
    "4.9.0",
    "6.0.0",
    "See https://github.com/optuna/optuna/releases/tag/v4.9.0.",
)


def warn_deprecated() -> None:
    """Emit the module's ``FutureWarning``, attributed to the caller of the public function."""
    warnings.warn(_MESSAGE, FutureWarning, stacklevel=3)
