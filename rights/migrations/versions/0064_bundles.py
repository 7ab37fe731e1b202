"""Prepared response versions (letter and bundle) and the requester's download links.

Revision ID: 0064
Revises: 0061
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0064'
down_revision = '0061'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bundle_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('withheld', sa.Integer(), nullable=False),
    sa.Column('letter_key', sa.String(length=64), nullable=False),
    sa.Column('bundle_key', sa.String(length=64), nullable=False),
    sa.Column('bundle_sha256', sa.String(length=64), nullable=False),
    sa.Column('prepared_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.String(length=200), nullable=True),
    sa.Column('approved_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('final_letter_key', sa.String(length=64), nullable=True),
    sa.Column('final_bundle_key', sa.String(length=64), nullable=True),
    sa.Column('final_sha256', sa.String(length=64), nullable=True),
    sa.Column('leak_findings', sa.JSON(), nullable=True),
    sa.Column('released_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_bundle_versions_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_versions'))
    )
    op.create_index(op.f('ix_bundle_versions_request_id'), 'bundle_versions', ['request_id'], unique=False)
    op.create_index('uq_bundle_versions_request_number', 'bundle_versions', ['request_id', 'number'], unique=True)
    op.create_index('uq_bundle_versions_request_fingerprint', 'bundle_versions', ['request_id', 'fingerprint'],
                    unique=True)
    op.create_table('download_links',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('last_downloaded_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_download_links_request_id_requests')),
    sa.ForeignKeyConstraint(['version_id'], ['bundle_versions.id'],
                            name=op.f('fk_download_links_version_id_bundle_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_download_links'))
    )
    op.create_index(op.f('ix_download_links_expires_at'), 'download_links', ['expires_at'], unique=False)
    op.create_index(op.f('ix_download_links_request_id'), 'download_links', ['request_id'], unique=False)
    op.create_index(op.f('ix_download_links_version_id'), 'download_links', ['version_id'], unique=False)


def downgrade() -> None:
    op.drop_table('download_links')
    op.drop_table('bundle_versions')
