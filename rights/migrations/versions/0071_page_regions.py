"""Page regions: rectangles officers mark on a scan's pages (a record with no text layer), each under a code.

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0071'
down_revision = '0070'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page_regions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('left', sa.Float(), nullable=False),
    sa.Column('top', sa.Float(), nullable=False),
    sa.Column('width', sa.Float(), nullable=False),
    sa.Column('height', sa.Float(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('added_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['gathered_records.id'], name=op.f('fk_page_regions_record_id_gathered_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_page_regions_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_regions'))
    )
    op.create_index(op.f('ix_page_regions_record_id'), 'page_regions', ['record_id'], unique=False)
    op.create_index(op.f('ix_page_regions_request_id'), 'page_regions', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_page_regions_request_id'), table_name='page_regions')
    op.drop_index(op.f('ix_page_regions_record_id'), table_name='page_regions')
    op.drop_table('page_regions')
