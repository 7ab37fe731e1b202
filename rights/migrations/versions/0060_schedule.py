"""schedule: run table (one row per job per period) and the outbox's sending state

Revision ID: 0060
Revises: 0050
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0060'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('period_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('started_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_runs'))
    )
    op.create_index('uq_schedule_runs_job_period', 'schedule_runs', ['job', 'period_key'], unique=True)
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('reference', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('personalisation', rights.models.EncryptedText(), nullable=True))
        batch.add_column(sa.Column('sending_at', rights.models.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('resends', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('resends')
        batch.drop_column('sending_at')
        batch.drop_column('personalisation')
        batch.drop_column('reference')
    op.drop_index('uq_schedule_runs_job_period', table_name='schedule_runs')
    op.drop_table('schedule_runs')
