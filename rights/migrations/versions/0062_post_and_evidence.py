"""Letters to post: the post queue beside the email outbox.

Revision ID: 0062
Revises: 0050
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

import rights.models

revision = "0062"
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('post_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('addressee', sa.Text(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('document_ref', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('posted_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_post_items_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_items')),
    sa.UniqueConstraint('key', name=op.f('uq_post_items_key'))
    )
    op.create_index(op.f('ix_post_items_request_id'), 'post_items', ['request_id'], unique=False)
    op.create_index(op.f('ix_post_items_status'), 'post_items', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_post_items_status'), table_name='post_items')
    op.drop_index(op.f('ix_post_items_request_id'), table_name='post_items')
    op.drop_table('post_items')
