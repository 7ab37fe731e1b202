"""Search tasks, candidate matches and gathered records (issue 5).

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 00:59:36.836843
"""
from alembic import op
import sqlalchemy as sa
import rights.models


revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('service', sa.String(length=60), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('run_by', sa.String(length=200), nullable=False),
    sa.Column('queued_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result_note', sa.Text(), nullable=True),
    sa.Column('candidate_count', sa.Integer(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('none_held', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_search_tasks_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_search_tasks_request_id_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_tasks'))
    )
    op.create_index(op.f('ix_search_tasks_request_id'), 'search_tasks', ['request_id'], unique=False)
    op.create_index(op.f('ix_search_tasks_status'), 'search_tasks', ['status'], unique=False)
    op.create_index('uq_search_tasks_request_source', 'search_tasks', ['request_id', 'source'], unique=True)
    op.create_table('search_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=200), nullable=False),
    sa.Column('identity', sa.JSON(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('deterministic_key', sa.String(length=100), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('records_fetched_at', rights.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_search_candidates_request_id_requests')),
    sa.ForeignKeyConstraint(['task_id'], ['search_tasks.id'], name=op.f('fk_search_candidates_task_id_search_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_candidates'))
    )
    op.create_index(op.f('ix_search_candidates_request_id'), 'search_candidates', ['request_id'], unique=False)
    op.create_index(op.f('ix_search_candidates_task_id'), 'search_candidates', ['task_id'], unique=False)
    op.create_index('uq_search_candidates_task_person', 'search_candidates', ['task_id', 'person_id'], unique=True)
    op.create_table('gathered_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('record_id', sa.String(length=300), nullable=False),
    sa.Column('person_id', sa.String(length=200), nullable=False),
    sa.Column('record_date', sa.Date(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('text_enc', sa.LargeBinary(), nullable=True),
    sa.Column('file_key', sa.String(length=100), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('involved_enc', sa.LargeBinary(), nullable=True),
    sa.Column('match_score', sa.Double(), nullable=True),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', rights.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['search_candidates.id'], name=op.f('fk_gathered_records_candidate_id_search_candidates')),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_gathered_records_request_id_requests')),
    sa.ForeignKeyConstraint(['task_id'], ['search_tasks.id'], name=op.f('fk_gathered_records_task_id_search_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gathered_records'))
    )
    op.create_index(op.f('ix_gathered_records_candidate_id'), 'gathered_records', ['candidate_id'], unique=False)
    op.create_index(op.f('ix_gathered_records_request_id'), 'gathered_records', ['request_id'], unique=False)
    op.create_index(op.f('ix_gathered_records_task_id'), 'gathered_records', ['task_id'], unique=False)
    op.create_index('uq_gathered_records_request_source_record', 'gathered_records', ['request_id', 'source', 'record_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_gathered_records_request_source_record', table_name='gathered_records')
    op.drop_index(op.f('ix_gathered_records_task_id'), table_name='gathered_records')
    op.drop_index(op.f('ix_gathered_records_request_id'), table_name='gathered_records')
    op.drop_index(op.f('ix_gathered_records_candidate_id'), table_name='gathered_records')
    op.drop_table('gathered_records')
    op.drop_index('uq_search_candidates_task_person', table_name='search_candidates')
    op.drop_index(op.f('ix_search_candidates_task_id'), table_name='search_candidates')
    op.drop_index(op.f('ix_search_candidates_request_id'), table_name='search_candidates')
    op.drop_table('search_candidates')
    op.drop_index('uq_search_tasks_request_source', table_name='search_tasks')
    op.drop_index(op.f('ix_search_tasks_status'), table_name='search_tasks')
    op.drop_index(op.f('ix_search_tasks_request_id'), table_name='search_tasks')
    op.drop_table('search_tasks')
