"""Decorators that mark public API as deprecated or experimental."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from hpo.exceptions import ExperimentalWarning

FT = TypeVar("FT", bound=Callable[..., Any])
CT = TypeVar("CT", bound=type)


def _deprecation_message(name: str, deprecated: str, removed: str, text: str | None) -> str:
    msg = (
        f"{name} has been deprecated in v{deprecated}. This feature will be removed in v{removed}."
    )
    return f"{msg} {text}" if text else msg


def deprecated_func(
    deprecated_version: str, removed_version: str, name: str | None = None, text: str | None = None
) -> Callable[[FT], FT]:
    """Mark a function as deprecated: calling it emits a ``FutureWarning``."""

    def decorator(func: FT) -> FT:
        message = _deprecation_message(
            name or f"{func.__name__}", deprecated_version, removed_version, text
        )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, FutureWarning, stacklevel=2)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def deprecated_class(
    deprecated_version: str, removed_version: str, name: str | None = None, text: str | None = None
) -> Callable[[CT], CT]:
    """Mark a class as deprecated: instantiating it emits a ``FutureWarning``."""

    def decorator(cls: CT) -> CT:
        message = _deprecation_message(
            name or cls.__name__, deprecated_version, removed_version, text
        )
        original_init = cls.__init__

        @functools.wraps(original_init)
        def wrapped_init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(message, FutureWarning, stacklevel=2)
            original_init(self, *args, **kwargs)

        cls.__init__ = wrapped_init  # type: ignore[misc]
        return cls

    return decorator


def experimental_func(version: str, name: str | None = None) -> Callable[[FT], FT]:
    """Mark a function as experimental: calling it emits an ``ExperimentalWarning``."""

    def decorator(func: FT) -> FT:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(
                f"{name or func.__name__} is experimental (supported from v{version}). "
                "The interface can change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def experimental_class(version: str, name: str | None = None) -> Callable[[CT], CT]:
    """Mark a class as experimental: instantiating it emits an ``ExperimentalWarning``."""

    def decorator(cls: CT) -> CT:
        original_init = cls.__init__

        @functools.wraps(original_init)
        def wrapped_init(self: Any, *args: Any, **kwargs: Any) -> None:
            warnings.warn(
                f"{name or cls.__name__} is experimental (supported from v{version}). "
                "The interface can change in the future.",
                ExperimentalWarning,
                stacklevel=2,
            )
            original_init(self, *args, **kwargs)

        cls.__init__ = wrapped_init  # type: ignore[misc]
        return cls

    return decorator
