"""dashboard: staff sessions, issued passwords, disclosure log

Revision ID: 0041
Revises: 0002
Create Date: 2026-11-26 01:07:09.729946
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0041'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('issued_passwords',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('issued_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_issued_passwords_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_issued_passwords'))
    )
    op.create_table('staff_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=30), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions'))
    )
    op.create_index(op.f('ix_staff_sessions_user_id'), 'staff_sessions', ['user_id'], unique=False)
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('disclosed_on', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notified_on', sa.Date(), nullable=True),
    sa.Column('notified_by_id', sa.Integer(), nullable=True),
    sa.Column('not_notified_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['notified_by_id'], ['users.id'], name=op.f('fk_disclosures_notified_by_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_disclosures_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_disclosures_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures'))
    )
    op.create_index(op.f('ix_disclosures_request_id'), 'disclosures', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_disclosures_request_id'), table_name='disclosures')
    op.drop_table('disclosures')
    op.drop_index(op.f('ix_staff_sessions_user_id'), table_name='staff_sessions')
    op.drop_table('staff_sessions')
    op.drop_table('issued_passwords')
