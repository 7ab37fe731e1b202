"""What retention and key rotation leave behind: a tombstone for each purged case, and the progress of a
key rotation (used by :mod:`rights.retention` and :mod:`rights.keys`).

Nothing here is personal: a tombstone is the case's reference, type, dates, outcome and counts of what was
deleted, so the audit trail's entries about a purged case (which keep its id) still say what it was.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from rights.models.base import Base, utcnow


class PurgedRequest(Base):
    """The tombstone of a case deleted under the retention schedule (one per request id, written once)."""

    __tablename__ = "purged_requests"

    request_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))  # the closed stage it ended in
    outcome: Mapped[str | None] = mapped_column(String(40))
    received_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    purged_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_by: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(200))  # "closed 730 days": the rule that allowed it
    deleted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rows and files, by kind


class KeyRotationStep(Base):
    """One part (a table, the file store, the name index) of rotating to one newest key.

    ``position`` is the last primary key (or file) done, committed with the batch it ends, so an
    interrupted rotation resumes after it; ``finished_at`` marks the part done for that key.
    """

    __tablename__ = "key_rotation_steps"
    __table_args__ = (Index("uq_key_rotation_steps_key_part", "key_id", "part", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))  # rights.security.key_id of the newest key
    part: Mapped[str] = mapped_column(String(100))  # "table:people", "files", "index:people"
    position: Mapped[str | None] = mapped_column(String(200))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


__all__ = ["KeyRotationStep", "PurgedRequest"]
