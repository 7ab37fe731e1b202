"""Job runs remember the RQ job that carries them, so the sweeper can ask Redis whether it still has it.

Revision ID: 0068_faults
Revises: 0064
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0068_faults"
down_revision = "0067"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("job_runs", sa.Column("rq_job_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("job_runs", "rq_job_id")
