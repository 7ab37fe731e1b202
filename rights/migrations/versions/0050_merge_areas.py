"""Merge the areas' branches (portal, search, case list, dashboard) into one history.

Revision ID: 0050
Revises: 0003, 0005, 0031, 0041
Create Date: 2026-11-26

Each area was migrated on its own branch from 0002 while it was built in parallel; this revision
joins them so ``rights db upgrade`` has a single head again.
"""

revision = "0050"
down_revision = ("0003", "0005", "0031", "0041")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
