"""hpo's logger: one library-wide handler, adjustable verbosity (same API as Optuna's)."""

from __future__ import annotations

import logging
import sys
import threading
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, WARN, WARNING

__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "FATAL",
    "INFO",
    "WARN",
    "WARNING",
    "disable_default_handler",
    "disable_propagation",
    "enable_default_handler",
    "enable_propagation",
    "get_logger",
    "get_verbosity",
    "set_verbosity",
]

_lock = threading.Lock()
_default_handler: logging.Handler | None = None
_ROOT_NAME = "hpo"


class _ColorlessFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("[%(levelname)1.1s %(asctime)s] %(message)s")


def _root_logger() -> logging.Logger:
    return logging.getLogger(_ROOT_NAME)


def _configure_root_logger() -> None:
    global _default_handler
    with _lock:
        if _default_handler is not None:
            return
        _default_handler = logging.StreamHandler(sys.stderr)
        _default_handler.setFormatter(_ColorlessFormatter())
        root = _root_logger()
        root.addHandler(_default_handler)
        root.setLevel(logging.INFO)
        root.propagate = False


def get_logger(name: str) -> logging.Logger:
    """Return a logger below hpo's root logger, configuring the default handler once."""
    _configure_root_logger()
    return logging.getLogger(name)


def get_verbosity() -> int:
    """Return the current level of hpo's root logger (e.g. ``hpo.logging.INFO``)."""
    _configure_root_logger()
    return _root_logger().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the level of hpo's root logger.

    Example:
        >>> import hpo
        >>> hpo.logging.set_verbosity(hpo.logging.WARNING)
    """
    _configure_root_logger()
    _root_logger().setLevel(verbosity)


def disable_default_handler() -> None:
    """Detach hpo's default stderr handler."""
    _configure_root_logger()
    assert _default_handler is not None
    _root_logger().removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Re-attach hpo's default stderr handler."""
    _configure_root_logger()
    assert _default_handler is not None
    _root_logger().addHandler(_default_handler)


def disable_propagation() -> None:
    """Stop hpo's log records from reaching the root logger (the default)."""
    _configure_root_logger()
    _root_logger().propagate = False


def enable_propagation() -> None:
    """Let hpo's log records propagate to the root logger, e.g. for ``caplog`` or your own handlers."""
    _configure_root_logger()
    _root_logger().propagate = True
