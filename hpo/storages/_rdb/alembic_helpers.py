"""Run hpo's alembic migrations (shipped as the package ``hpo._migrations``)."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config


def migrations_dir() -> str:
    """The directory holding ``env.py`` and ``versions/``."""
    try:
        import hpo._migrations as package

        return os.path.dirname(os.path.abspath(package.__file__))
    except ImportError:  # a source tree that was not pip-installed
        import hpo

        root = os.path.dirname(os.path.dirname(os.path.abspath(hpo.__file__)))
        return os.path.join(root, "migrations")


def config(connection: sa.Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", migrations_dir())
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    from alembic import command

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.begin() as conn:
        command.upgrade(config(conn), revision)


def all_revisions() -> list[str]:
    """Every revision, newest first."""
    from alembic.script import ScriptDirectory

    return [s.revision for s in ScriptDirectory.from_config(config()).walk_revisions()]


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config()).get_current_head()
    assert head is not None
    return head
