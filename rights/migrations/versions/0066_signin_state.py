"""Sign-in state on the server: grants, throttling per key, two-administrator account changes.

Replaces the account lock (``users.failed_logins``, ``users.locked_until``) with ``sign_in_throttles``,
and issued one-time passwords (``issued_passwords``) with emailed set-password links (``grants``). An
issued password still unused at upgrade stops working: its holder needs a new link (an administrator's
reset, approved by a second one, or ``rights users reset-password``).

Revision ID: 0066_signin_state
Revises: 0064
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0066_signin_state'
down_revision = '0064'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_grants_request_id_requests')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants'))
    )
    op.create_index(op.f('ix_grants_expires_at'), 'grants', ['expires_at'], unique=False)
    op.create_index(op.f('ix_grants_family'), 'grants', ['family'], unique=False)
    op.create_index(op.f('ix_grants_request_id'), 'grants', ['request_id'], unique=False)
    op.create_index(op.f('ix_grants_user_id'), 'grants', ['user_id'], unique=False)
    op.create_table('sign_in_throttles',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('label', sa.String(length=254), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_failure_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('alerted_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttles'))
    )
    op.create_index(op.f('ix_sign_in_throttles_last_failure_at'), 'sign_in_throttles', ['last_failure_at'],
                    unique=False)
    op.create_table('account_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_changes'))
    )
    op.create_index(op.f('ix_account_changes_user_id'), 'account_changes', ['user_id'], unique=False)
    with op.batch_alter_table('progress_codes') as batch:
        batch.add_column(sa.Column('lookup', rights.models.EncryptedText(), nullable=True))
    # An issued password nobody has used yet stops working: no password is ever shown to anyone again.
    op.execute("UPDATE users SET password_hash = '!' WHERE id IN (SELECT user_id FROM issued_passwords)")
    op.drop_table('issued_passwords')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('locked_until')
        batch.drop_column('failed_logins')


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', rights.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.alter_column('failed_logins', server_default=None)
    op.create_table('issued_passwords',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('issued_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_issued_passwords_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_issued_passwords'))
    )
    with op.batch_alter_table('progress_codes') as batch:
        batch.drop_column('lookup')
    op.drop_index(op.f('ix_account_changes_user_id'), table_name='account_changes')
    op.drop_table('account_changes')
    op.drop_index(op.f('ix_sign_in_throttles_last_failure_at'), table_name='sign_in_throttles')
    op.drop_table('sign_in_throttles')
    op.drop_index(op.f('ix_grants_user_id'), table_name='grants')
    op.drop_index(op.f('ix_grants_request_id'), table_name='grants')
    op.drop_index(op.f('ix_grants_family'), table_name='grants')
    op.drop_index(op.f('ix_grants_expires_at'), table_name='grants')
    op.drop_table('grants')
