"""Indexes for the officers' case list at 100,000 cases (issue 4: case list, search).

Revision ID: 0031
Revises: 0002
Create Date: 2026-11-26

Why: the case list searches by reference or by the subject's names with case-insensitive substring
matches (``ILIKE '%hart%'``). On PostgreSQL, pg_trgm GIN indexes answer those from the index instead of
scanning every row; ``requests.subject_id`` lets a name match find its cases. pg_trgm is a trusted
extension (PostgreSQL 13+), so the database owner may create it. SQLite (the demo) gets plain indexes of
the same names so models and migrations agree on both databases.

``ix_requests_open_due`` is a partial index of the open cases only, in due-date order: the list's
default view, its counts and the "open" name searches read a few thousand entries instead of the whole
table. Its predicate must stay equal to ``rights.caselist.CLOSED_STAGES`` (a unit test checks the model).
"""
import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0002"
branch_labels = None
depends_on = None

OPEN_PREDICATE = "status NOT IN ('closed', 'withdrawn', 'refused', 'released')"
TRIGRAM = (
    ("ix_requests_reference_trgm", "requests", "reference"),
    ("ix_people_given_names_trgm", "people", "given_names"),
    ("ix_people_family_name_trgm", "people", "family_name"),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_requests_subject_id", "requests", ["subject_id"], unique=False)
    for name, table, column in TRIGRAM:
        if postgres:
            op.create_index(name, table, [column], unique=False, postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})
        else:
            op.create_index(name, table, [column], unique=False)
    open_only = sa.text(OPEN_PREDICATE)
    op.create_index("ix_requests_open_due", "requests", ["due_on", "id"], unique=False,
                    postgresql_where=open_only, sqlite_where=open_only)


def downgrade() -> None:
    op.drop_index("ix_requests_open_due", table_name="requests")
    for name, table, _column in reversed(TRIGRAM):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_requests_subject_id", table_name="requests")
    # pg_trgm stays: other objects may have come to rely on it, and it holds no data.
