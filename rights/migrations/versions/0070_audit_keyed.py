"""The audit chain is keyed: each entry records which audit key signed its MAC (rights.audit.chain).

Entries written before this revision keep an empty ``key_id`` and are verified by the old unkeyed rule; the
first keyed entry links to the newest of them, so the trail stays one chain.

Revision ID: 0070
Revises: 0069
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0070'
down_revision = '0069'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a batch rebuild on SQLite would drop the append-only triggers.
    op.add_column('audit_events', sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    # The keyed entries cannot be read by the older code's unkeyed check: a downgrade keeps them, and
    # ``rights audit verify`` of that older code would report the first keyed entry as changed.
    op.drop_column('audit_events', 'key_id')
