"""Portal: encrypted drafts of unfinished requests, and check-progress codes (issue 3).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:40:00
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_drafts',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('answers_enc', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_drafts'))
    )
    op.create_index(op.f('ix_portal_drafts_expires_at'), 'portal_drafts', ['expires_at'], unique=False)
    op.create_table('progress_codes',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_progress_codes_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_codes'))
    )
    op.create_index(op.f('ix_progress_codes_expires_at'), 'progress_codes', ['expires_at'], unique=False)
    op.create_index(op.f('ix_progress_codes_request_id'), 'progress_codes', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_progress_codes_request_id'), table_name='progress_codes')
    op.drop_index(op.f('ix_progress_codes_expires_at'), table_name='progress_codes')
    op.drop_table('progress_codes')
    op.drop_index(op.f('ix_portal_drafts_expires_at'), table_name='portal_drafts')
    op.drop_table('portal_drafts')
