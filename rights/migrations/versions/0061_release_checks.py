"""Release checks: why an officer rejected or reopened a match, why an officer closed a search task, and
the index that lets the case list find a requester's cases by their name.

Revision ID: 0061
Revises: 0063
Create Date: 2026-11-30

The officers' identity, parental responsibility, competence and override decisions are kept in the
request's ``details`` (one key each), so they need no column.
"""

import sqlalchemy as sa
from alembic import op

revision = "0061"
down_revision = "0063"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_candidates", sa.Column("decision_reason", sa.Text(), nullable=True))
    op.add_column("search_tasks", sa.Column("closed_reason", sa.Text(), nullable=True))
    # The case list's name search finds the requester's cases as well as the subject's.
    op.create_index("ix_requests_requester_id", "requests", ["requester_id"])


def downgrade() -> None:
    op.drop_index("ix_requests_requester_id", table_name="requests")
    op.drop_column("search_tasks", "closed_reason")
    op.drop_column("search_candidates", "decision_reason")
