"""Per-study trial counter and server-clock heartbeats on the trial row.

Trial numbers used to be MAX(number) + 1 under a unique index, which makes concurrent workers
collide and retry; a counter column on the study row hands them out in one short lock. The
heartbeat column lets a single UPDATE record a beat and a single indexed SELECT find stale trials.

Revision ID: 0002_counter_heartbeat
Revises: 0001_initial
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_counter_heartbeat"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "hpo_studies",
        sa.Column("next_trial_number", sa.Integer, nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE hpo_studies SET next_trial_number = (SELECT COALESCE(MAX(t.number) + 1, 0) "
        "FROM hpo_trials t WHERE t.study_id = hpo_studies.study_id)"
    )
    op.add_column("hpo_trials", sa.Column("heartbeat", sa.Double, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hpo_trials") as batch:
        batch.drop_column("heartbeat")
    with op.batch_alter_table("hpo_studies") as batch:
        batch.drop_column("next_trial_number")
