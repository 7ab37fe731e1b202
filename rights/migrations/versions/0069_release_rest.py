"""Letter-only responses (nothing held or everything withheld: a version with no bundle) and the progress of a
version's finalisation job.

Revision ID: 0069
Revises: 0064
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0069'
down_revision = '0068_faults'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bundle_versions') as batch:
        batch.alter_column('bundle_key', existing_type=sa.String(length=64), nullable=True)
        batch.alter_column('bundle_sha256', existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column('render_progress', sa.JSON(), nullable=True))


def downgrade() -> None:
    # A letter-only version has no bundle to put back: remove those versions (and their links) first.
    op.execute("DELETE FROM download_links WHERE version_id IN (SELECT id FROM bundle_versions WHERE bundle_key IS NULL)")
    op.execute("DELETE FROM bundle_versions WHERE bundle_key IS NULL")
    with op.batch_alter_table('bundle_versions') as batch:
        batch.drop_column('render_progress')
        batch.alter_column('bundle_sha256', existing_type=sa.String(length=64), nullable=False)
        batch.alter_column('bundle_key', existing_type=sa.String(length=64), nullable=False)
