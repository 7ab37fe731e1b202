"""Redactions of gathered records and one decision per record (include or withhold).

Revision ID: 0063
Revises: 0050
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0063'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('redactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['gathered_records.id'], name=op.f('fk_redactions_record_id_gathered_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_redactions_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redactions'))
    )
    op.create_index(op.f('ix_redactions_record_id'), 'redactions', ['record_id'], unique=False)
    op.create_index(op.f('ix_redactions_request_id'), 'redactions', ['request_id'], unique=False)
    op.create_index('ix_redactions_request_key', 'redactions', ['request_id', 'person_key'], unique=False)
    op.create_index('uq_redactions_record_span_origin', 'redactions', ['record_id', 'start', 'end', 'origin'], unique=True)
    op.create_table('record_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=True),
    sa.Column('note', rights.models.EncryptedText(), nullable=True),
    sa.Column('needs_officer', sa.Boolean(), nullable=False),
    sa.Column('proposed_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['gathered_records.id'], name=op.f('fk_record_decisions_record_id_gathered_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_record_decisions_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_decisions')),
    sa.UniqueConstraint('record_id', name=op.f('uq_record_decisions_record_id'))
    )
    op.create_index(op.f('ix_record_decisions_request_id'), 'record_decisions', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_record_decisions_request_id'), table_name='record_decisions')
    op.drop_table('record_decisions')
    op.drop_index('uq_redactions_record_span_origin', table_name='redactions')
    op.drop_index('ix_redactions_request_key', table_name='redactions')
    op.drop_index(op.f('ix_redactions_request_id'), table_name='redactions')
    op.drop_index(op.f('ix_redactions_record_id'), table_name='redactions')
    op.drop_table('redactions')
