"""The initial hpo schema.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

_KW = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
_TS = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def _fk(target: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "hpo_studies",
        sa.Column("study_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("study_name", sa.String(512), nullable=False),
        sa.Column("directions", sa.String(2048), nullable=False),
        sa.UniqueConstraint("study_name", name="uq_hpo_studies_study_name"),
        **_KW,
    )
    op.create_table(
        "hpo_study_attrs",
        sa.Column("study_id", sa.Integer, _fk("hpo_studies.study_id"), primary_key=True),
        sa.Column("is_system", sa.Boolean, primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value_json", _TEXT, nullable=False),
        **_KW,
    )
    op.create_table(
        "hpo_trials",
        sa.Column("trial_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("study_id", sa.Integer, _fk("hpo_studies.study_id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("values_json", sa.Text, nullable=True),
        sa.Column("datetime_start", _TS, nullable=True),
        sa.Column("datetime_complete", _TS, nullable=True),
        sa.UniqueConstraint("study_id", "number", name="uq_hpo_trials_study_id_number"),
        **_KW,
    )
    op.create_index("ix_hpo_trials_study_id_state", "hpo_trials", ["study_id", "state"])
    op.create_table(
        "hpo_trial_params",
        sa.Column("trial_id", sa.Integer, _fk("hpo_trials.trial_id"), primary_key=True),
        sa.Column("param_name", sa.String(512), primary_key=True),
        sa.Column("param_value", sa.Double, nullable=False),
        sa.Column("distribution_json", _TEXT, nullable=False),
        **_KW,
    )
    op.create_table(
        "hpo_trial_attrs",
        sa.Column("trial_id", sa.Integer, _fk("hpo_trials.trial_id"), primary_key=True),
        sa.Column("is_system", sa.Boolean, primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value_json", _TEXT, nullable=False),
        **_KW,
    )
    op.create_table(
        "hpo_trial_values",
        sa.Column("trial_id", sa.Integer, _fk("hpo_trials.trial_id"), primary_key=True),
        sa.Column("step", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("value_json", sa.String(32), nullable=False),
        **_KW,
    )


def downgrade() -> None:
    for table in (
        "hpo_trial_values",
        "hpo_trial_attrs",
        "hpo_trial_params",
        "hpo_trials",
        "hpo_study_attrs",
        "hpo_studies",
    ):
        op.drop_table(table)
