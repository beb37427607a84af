"""The RDB schema, in SQLAlchemy Core.

Seven tables, all prefixed ``hpo_`` so they can share a database with other applications:

* ``hpo_studies``: one row per study; ``directions`` is a JSON list of direction names and
  ``next_trial_number`` is the per-study counter that keeps trial numbers dense and unique.
* ``hpo_study_attrs`` / ``hpo_trial_attrs``: user (``is_system = false``) and system attributes,
  values as JSON.
* ``hpo_trials``: one row per trial; objective values are a JSON list (so ``inf`` and ``nan``
  survive), times are naive UTC, ``heartbeat`` is the server's epoch time of the last beat.
* ``hpo_trial_params``: internal parameter values and their distributions as JSON.
* ``hpo_trial_values``: intermediate values by step, as JSON numbers.

The alembic environment in ``migrations/`` owns schema changes; :data:`HEAD_REVISION` names the
revision these tables correspond to (a test checks that autogenerate finds no difference).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

HEAD_REVISION = "0002_counter_heartbeat"
INITIAL_REVISION = "0001_initial"
ALL_REVISIONS = (HEAD_REVISION, INITIAL_REVISION)  # newest first, as alembic lists them
VERSION_TABLE = "hpo_alembic_version"

MAX_NAME_LENGTH = 512  # study names, attribute keys, parameter names
MAX_STATE_LENGTH = 8

# MySQL: case- and accent-sensitive comparison of names, full Unicode, microsecond timestamps.
_TABLE_KWARGS = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
_Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_Text = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

metadata = sa.MetaData()

studies = sa.Table(
    "hpo_studies",
    metadata,
    sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("study_name", sa.String(MAX_NAME_LENGTH), nullable=False),
    sa.Column("directions", sa.String(2048), nullable=False),
    sa.Column("next_trial_number", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("study_name", name="uq_hpo_studies_study_name"),
    **_TABLE_KWARGS,
)

study_attrs = sa.Table(
    "hpo_study_attrs",
    metadata,
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("hpo_studies.study_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("is_system", sa.Boolean, primary_key=True),
    sa.Column("key", sa.String(MAX_NAME_LENGTH), primary_key=True),
    sa.Column("value_json", _Text, nullable=False),
    **_TABLE_KWARGS,
)

trials = sa.Table(
    "hpo_trials",
    metadata,
    sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "study_id",
        sa.Integer,
        sa.ForeignKey("hpo_studies.study_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("state", sa.String(MAX_STATE_LENGTH), nullable=False),
    sa.Column("values_json", sa.Text, nullable=True),
    sa.Column("datetime_start", _Timestamp, nullable=True),
    sa.Column("datetime_complete", _Timestamp, nullable=True),
    sa.Column("heartbeat", sa.Double, nullable=True),
    sa.UniqueConstraint("study_id", "number", name="uq_hpo_trials_study_id_number"),
    sa.Index("ix_hpo_trials_study_id_state", "study_id", "state"),
    **_TABLE_KWARGS,
)

trial_params = sa.Table(
    "hpo_trial_params",
    metadata,
    sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("hpo_trials.trial_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("param_name", sa.String(MAX_NAME_LENGTH), primary_key=True),
    sa.Column("param_value", sa.Double, nullable=False),
    sa.Column("distribution_json", _Text, nullable=False),
    **_TABLE_KWARGS,
)

trial_attrs = sa.Table(
    "hpo_trial_attrs",
    metadata,
    sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("hpo_trials.trial_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("is_system", sa.Boolean, primary_key=True),
    sa.Column("key", sa.String(MAX_NAME_LENGTH), primary_key=True),
    sa.Column("value_json", _Text, nullable=False),
    **_TABLE_KWARGS,
)

trial_values = sa.Table(
    "hpo_trial_values",
    metadata,
    sa.Column(
        "trial_id",
        sa.Integer,
        sa.ForeignKey("hpo_trials.trial_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("value_json", sa.String(32), nullable=False),
    **_TABLE_KWARGS,
)

# alembic's own layout for its version table, so `alembic` and hpo agree on it.
version_metadata = sa.MetaData()
version_table = sa.Table(
    VERSION_TABLE,
    version_metadata,
    sa.Column("version_num", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
)
